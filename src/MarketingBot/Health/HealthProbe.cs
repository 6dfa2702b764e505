namespace MarketingBot.Health;

/// <summary>
/// <c>MarketingBot healthcheck [url]</c>: asks a running instance whether it is alive, for a container's
/// HEALTHCHECK (the runtime image has no curl). Exit code 0 when it answers 2xx, 1 otherwise.
/// </summary>
public static class HealthProbe
{
    public const string DefaultUrl = "http://127.0.0.1:8080/healthz";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter errors)
    {
        if (args.Count > 1 || (args.Count == 1 && !Uri.TryCreate(args[0], UriKind.Absolute, out _)))
        {
            await errors.WriteLineAsync($"usage: MarketingBot healthcheck [url]   (default {DefaultUrl})");
            return 2;
        }
        var url = args.Count == 1 ? args[0] : DefaultUrl;
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await client.GetAsync(url);
            await output.WriteLineAsync($"{url}: {(int)response.StatusCode} {response.ReasonPhrase}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await errors.WriteLineAsync($"{url}: no answer ({ex.Message})");
            return 1;
        }
    }
}
