using System.Collections.Concurrent;
using MarketingBot.Tests.Support;
using Microsoft.Data.Sqlite;

namespace MarketingBot.Tests.Resilience;

public class KillAndRestartTests
{
    private const string Secret = "kill-test-secret";

    private const int Deliveries = 2000;
    private const int Senders = 8;

    /// <summary>
    /// 2,000 deliveries stream in from 8 senders; the process is killed (SIGKILL) halfway. After the
    /// restart the senders redeliver what got no answer, as GitHub's redelivery would: every one of the
    /// 2,000 is then processed exactly once, whether it was stored before the kill or only after it.
    /// </summary>
    [Fact]
    public async Task A_service_killed_while_2000_deliveries_stream_in_processes_every_one_exactly_once_after_restart()
    {
        using var folder = new TempFolder();
        var database = folder.File("bot.db");
        var environment = new Dictionary<string, string>
        {
            ["GitHub__WebhookSecret"] = Secret,
            ["Bot__DryRun"] = "true",
            ["Storage__ConnectionString"] = $"Data Source={database}",
            ["Bot__Workers"] = "1",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        var all = Enumerable.Range(0, Senders).SelectMany(sender => Enumerable.Range(0, Deliveries / Senders).Select(i => (Guid: $"kill-{sender}-{i}", Issue: (sender * 1000) + (i % 5)))).ToList();

        var acknowledged = new ConcurrentDictionary<string, bool>();
        using (var first = await ServiceProcess.StartAsync(environment))
        {
            using var client = new HttpClient { BaseAddress = first.Address };
            using var stop = new CancellationTokenSource();
            var senders = all.Chunk(Deliveries / Senders).Select(mine => Task.Run(async () =>
            {
                foreach (var (guid, issue) in mine)
                {
                    try
                    {
                        if ((await client.SendAsync(Signing.IssueEdited(Secret, guid, issue), stop.Token)).IsSuccessStatusCode) acknowledged[guid] = true;
                    }
                    catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                    {
                        // The process is gone: deliveries without an answer were never promised.
                        return;
                    }
                }
            })).ToArray();

            while (acknowledged.Count < Deliveries / 2) await Task.Delay(2);
            first.Kill();
            await stop.CancelAsync();
            await Task.WhenAll(senders);
        }

        // Acknowledged but not processed: in the tables or still only in the intake journal.
        var unprocessedAtKill = acknowledged.Count - ProcessedTimes(database).Count;
        Assert.True(unprocessedAtKill > 0, "the kill should leave stored but unprocessed deliveries, or this test proves nothing");
        Assert.True(acknowledged.Count < Deliveries, "the kill should cut the stream short, or this test proves nothing");

        using (var second = await ServiceProcess.StartAsync(environment))
        {
            using var client = new HttpClient { BaseAddress = second.Address };
            foreach (var (guid, issue) in all.Where(d => !acknowledged.ContainsKey(d.Guid)))
                Assert.True((await client.SendAsync(Signing.IssueEdited(Secret, guid, issue))).IsSuccessStatusCode, guid);
            await Eventually.UntilAsync(() => ProcessedTimes(database).Count == Deliveries
                && SqliteFile.Count(database, "SELECT COUNT(*) FROM deliveries WHERE state IN (0, 1)") == 0, TimeSpan.FromSeconds(90));
        }

        var processed = ProcessedTimes(database);
        var missing = all.Where(d => !processed.ContainsKey(d.Guid)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {Deliveries} deliveries were never processed ({acknowledged.Count} were acknowledged before the kill), e.g. {missing.FirstOrDefault().Guid}");
        var twice = processed.Where(p => p.Value > 1).Select(p => p.Key).ToList();
        Assert.True(twice.Count == 0, $"{twice.Count} deliveries were processed more than once, e.g. {twice.FirstOrDefault()}");
        Assert.Equal(Deliveries, processed.Count);
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
