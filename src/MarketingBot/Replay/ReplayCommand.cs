using MarketingBot.Hosting;
using MarketingBot.Intake;
using MarketingBot.Processing;
using MarketingBot.Storage;

namespace MarketingBot.Replay;

/// <summary>
/// <c>replay &lt;file-or-folder&gt;</c>: feeds recorded deliveries through the inbox, processor,
/// handlers and executor in dry run, against a throwaway inbox, and prints what the bot would do.
/// </summary>
public static class ReplayCommand
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    /// <param name="workflowPath">The team's workflow file (as <c>Bot__WorkflowPath</c>); the built-in workflow when null.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors, string? workflowPath = null)
    {
        if (args.Length != 1)
        {
            await errors.WriteLineAsync("usage: MarketingBot replay <file-or-folder>");
            return 2;
        }
        var deliveries = RecordedDeliveries.Load(args[0], out var problems);
        foreach (var problem in problems) await errors.WriteLineAsync($"skipped {problem}");
        if (deliveries.Count == 0)
        {
            await errors.WriteLineAsync("no deliveries to replay");
            return problems.Count > 0 ? 1 : 0;
        }

        var workspace = Directory.CreateTempSubdirectory("marketingbot-replay-");
        try
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Bot:DryRun"] = "true",
                // A failure is reported at once instead of waiting out retries.
                ["Bot:MaxAttempts"] = "1",
                ["Storage:Provider"] = "Sqlite",
                ["Storage:ConnectionString"] = $"Data Source={Path.Combine(workspace.FullName, "replay.db")}",
                ["Bot:WorkflowPath"] = workflowPath is null ? null : Path.GetFullPath(workflowPath),
            });
            // Standard output carries only the effects, so it can be piped and compared.
            builder.Logging.ClearProviders()
                .AddFilter(level => level >= LogLevel.Warning)
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Services.AddMarketingBotCore(builder.Configuration);
            using var host = builder.Build();
            await host.StartAsync();
            var inbox = host.Services.GetRequiredService<Inbox>();
            foreach (var delivery in deliveries)
            {
                if (DeliveryEnvelope.Read(delivery.Body, out var problem) is not { } envelope)
                {
                    await errors.WriteLineAsync($"skipped {delivery.Source}: {problem}");
                    continue;
                }
                await inbox.StoreAsync(new IncomingDelivery(delivery.Guid, delivery.Event, envelope.Action, envelope.InstallationId,
                    envelope.IssueNodeId, delivery.Body));
            }
            host.Services.GetRequiredService<DeliverySignal>().Notify();
            var deadline = DateTime.UtcNow + Patience;
            while (await inbox.CountWaitingAsync() > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
            // Deliveries of different issues finish in any order; print them in the order they were fed.
            foreach (var entry in (await inbox.ReadAuditAsync()).OrderBy(e => e.DeliveryId))
            {
                var prefix = $"{entry.Guid} {entry.Name}:";
                if (entry.Error is not null) await output.WriteLineAsync($"{prefix} FAILED {entry.Error}");
                else if (entry.Effects.Count == 0) await output.WriteLineAsync($"{prefix} no effects ({entry.Outcome})");
                foreach (var effect in entry.Effects)
                {
                    // The effect's line, then the text a person would read, whole and indented under it.
                    var lines = effect.Split('\n');
                    await output.WriteLineAsync($"{prefix} would {lines[0]}");
                    foreach (var line in lines.Skip(1)) await output.WriteLineAsync($"    {line}".TrimEnd());
                }
            }
            await host.StopAsync();
            return 0;
        }
        finally
        {
            workspace.Delete(recursive: true);
        }
    }
}
