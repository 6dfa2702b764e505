namespace MarketingBot.Planner;

/// <summary>
/// <c>MarketingBot reconcile [url]</c>: asks the running bot to reconcile the Content Planner now, with the dashboard's
/// token (<c>Dashboard__Token</c>) as a bearer token. The bot owns its database, so the command asks it rather than
/// opening the database beside it.
/// </summary>
public static class ReconcileCommand
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, string? token, TextWriter output, TextWriter errors)
    {
        if (args.Count > 1 || (args.Count == 1 && !Uri.TryCreate(args[0], UriKind.Absolute, out _)))
        {
            await errors.WriteLineAsync($"usage: MarketingBot reconcile [url]   (default {DefaultUrl}; needs Dashboard__Token)");
            return 2;
        }
        if (string.IsNullOrEmpty(token))
        {
            await errors.WriteLineAsync("Dashboard__Token is not set: the bot takes the dashboard's token for this command.");
            return 2;
        }
        var url = new Uri(new Uri(args.Count == 1 ? args[0] : DefaultUrl), "/api/reconcile");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Headers.Authorization = new("Bearer", token);
        try
        {
            using var response = await client.SendAsync(request);
            var text = (await response.Content.ReadAsStringAsync()).Trim();
            await (response.IsSuccessStatusCode ? output : errors).WriteLineAsync($"{url}: {(int)response.StatusCode} {text}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await errors.WriteLineAsync($"{url}: no answer ({ex.Message}); is the bot running there?");
            return 1;
        }
    }
}
