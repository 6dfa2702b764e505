using System.Net.Http.Headers;
using MarketingBot.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MarketingBot.Tests.Support;

/// <summary>The real app in memory, on its own SQLite file, with settings and services a test chooses.</summary>
public sealed class BotFactory(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    public const string Secret = "It's a Secret to Everybody";

    private readonly TempFolder _folder = new();

    public Inbox Inbox => Services.GetRequiredService<Inbox>();

    /// <summary>One feature's records, as the bot keeps them (e.g. <c>Records&lt;ApprovalRecords&gt;()</c>).</summary>
    public T Records<T>() where T : notnull => Services.GetRequiredService<T>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var all = new Dictionary<string, string?>
        {
            ["GitHub:WebhookSecret"] = Secret,
            ["Storage:ConnectionString"] = $"Data Source={_folder.File("bot.db")}",
            ["Bot:RetryBaseDelay"] = "00:00:00.050",
            ["Bot:RetryMaxDelay"] = "00:00:00.200",
            // Scheduled jobs would call GitHub at start-up; tests run them by hand (JobScheduler.RunDueAsync).
            ["Schedules:Enabled"] = "false",
            ["Bot:RecoverMissedDeliveries"] = "false",
            // Without App credentials a bot holds its deliveries unless dry run is asked for; tests with credentials set it to false.
            ["Bot:DryRun"] = "true",
            // A burst of test deliveries would otherwise wait a second per write; the pacing itself has tests of its own.
            ["GitHub:WriteSpacing"] = "00:00:00.001",
            ["GitHub:CreationsPerMinute"] = "100000",
            ["GitHub:CreationsPerHour"] = "100000",
        };
        foreach (var (key, value) in settings ?? []) all[key] = value;
        foreach (var (key, value) in all) builder.UseSetting(key, value);
        if (services is not null) builder.ConfigureServices(services);
    }

    public Task<HttpResponseMessage> PostAsync(string eventName, string guid, byte[] body, string? signature = null,
        string contentType = "application/json")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/github/webhooks") { Content = content };
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", guid);
        request.Headers.Add("X-Hub-Signature-256", signature ?? Signing.Sign(Secret, body));
        return CreateClient().SendAsync(request);
    }

    /// <summary>Waits until nothing is waiting or running in the inbox.</summary>
    public async Task DrainAsync(TimeSpan? timeout = null)
    {
        if (!await Eventually.UntilAsync(async () => await Inbox.CountWaitingAsync() == 0, timeout ?? TimeSpan.FromSeconds(20)))
            throw new TimeoutException("The inbox did not drain.");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _folder.Dispose();
    }
}
