using System.Collections.Concurrent;
using MarketingBot.Tests.Support;
using Microsoft.Data.Sqlite;

namespace MarketingBot.Tests.Resilience;

public class KillAndRestartTests
{
    private const string Secret = "kill-test-secret";

    [Fact]
    public async Task A_service_killed_while_deliveries_stream_in_processes_every_acknowledged_one_exactly_once_after_restart()
    {
        using var folder = new TempFolder();
        var database = folder.File("bot.db");
        var environment = new Dictionary<string, string>
        {
            ["GitHub__WebhookSecret"] = Secret,
            ["Storage__ConnectionString"] = $"Data Source={database}",
            ["Bot__Workers"] = "1",
            ["Logging__LogLevel__Default"] = "Warning",
        };

        var acknowledged = new ConcurrentBag<string>();
        using (var first = await ServiceProcess.StartAsync(environment))
        {
            using var client = new HttpClient { BaseAddress = first.Address };
            using var stop = new CancellationTokenSource();
            var senders = Enumerable.Range(0, 8).Select(sender => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var guid = $"kill-{sender}-{i}";
                    try
                    {
                        if ((await client.SendAsync(Signing.IssueEdited(Secret, guid, issue: (sender * 1000) + (i % 5)), stop.Token)).IsSuccessStatusCode) acknowledged.Add(guid);
                    }
                    catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                    {
                        // The process is gone: deliveries without an answer were never promised.
                        return;
                    }
                }
            })).ToArray();

            while (acknowledged.Count < 300) await Task.Delay(5);
            first.Kill();
            await stop.CancelAsync();
            await Task.WhenAll(senders);
        }

        var unprocessedAtKill = Count(database, "SELECT COUNT(*) FROM deliveries WHERE state IN (0, 1)");
        Assert.True(unprocessedAtKill > 0, "the kill should leave stored but unprocessed deliveries, or this test proves nothing");

        using (await ServiceProcess.StartAsync(environment))
        {
            await Eventually.UntilAsync(() => Count(database, "SELECT COUNT(*) FROM deliveries WHERE state IN (0, 1)") == 0, TimeSpan.FromSeconds(60));
        }

        var processed = ProcessedTimes(database);
        var missing = acknowledged.Where(g => !processed.ContainsKey(g)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged deliveries were never processed, e.g. {missing.FirstOrDefault()}");
        var twice = processed.Where(p => p.Value > 1).Select(p => p.Key).ToList();
        Assert.True(twice.Count == 0, $"{twice.Count} deliveries were processed more than once, e.g. {twice.FirstOrDefault()}");
    }

    private static long Count(string database, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>How many times each delivery reached the end of processing, from the audit log.</summary>
    private static Dictionary<string, int> ProcessedTimes(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT d.guid, COUNT(*) FROM audit a JOIN deliveries d ON d.id = a.delivery_id
            WHERE a.outcome NOT IN ('failed, will retry', 'dead-lettered') GROUP BY d.guid
            """;
        using var reader = command.ExecuteReader();
        var times = new Dictionary<string, int>();
        while (reader.Read()) times[reader.GetString(0)] = reader.GetInt32(1);
        return times;
    }
}
