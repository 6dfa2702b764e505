using System.Collections.Concurrent;
using System.Diagnostics;
using MarketingBot.Storage.Postgres;
using MarketingBot.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace MarketingBot.Tests.Resilience;

/// <summary>
/// Three service processes on one PostgreSQL database, as a Kubernetes Deployment runs them: deliveries
/// go to them round-robin, one is killed mid-run, and GitHub's redelivery goes to the next replica.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ReplicaTests(PostgresServer server, ITestOutputHelper output)
{
    private const string Secret = "replica-test-secret";
    private const int Issues = 12;
    private const int EventsPerIssue = 50;

    [PostgresFact]
    public async Task Three_replicas_with_one_killed_process_every_delivery_exactly_once_and_each_issue_in_order()
    {
        var database = await server.CreateDatabaseAsync();
        var environment = new Dictionary<string, string>
        {
            ["GitHub__WebhookSecret"] = Secret,
            ["Bot__DryRun"] = "true",
            ["Storage__Provider"] = "Postgres",
            ["Storage__ConnectionString"] = database,
            ["Bot__Workers"] = "4",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        var replicas = new List<ServiceProcess>();
        try
        {
            // Started one by one: each migrates or finds the schema current.
            for (var i = 0; i < 3; i++) replicas.Add(await ServiceProcess.StartAsync(environment));
            var clients = replicas.Select(r => new HttpClient { BaseAddress = r.Address, Timeout = TimeSpan.FromSeconds(30) }).ToArray();
            var alive = new bool[replicas.Count];
            Array.Fill(alive, true);
            var victim = replicas[1];
            var acknowledged = new ConcurrentQueue<string>();
            var redelivered = 0;
            var next = 0;
            long inProgressAtKill = -1;
            var killed = new TaskCompletionSource();
            var clock = Stopwatch.StartNew();

            // One sender per issue sends that issue's events in order, each to the next replica in turn;
            // a replica that does not answer gets no more, and the event goes to the next one, as GitHub redelivers.
            var senders = Enumerable.Range(1, Issues).Select(issue => Task.Run(async () =>
            {
                for (var n = 0; n < EventsPerIssue; n++)
                {
                    var guid = $"replica-{issue}-{n:000}";
                    while (true)
                    {
                        var target = Interlocked.Increment(ref next) % replicas.Count;
                        if (!Volatile.Read(ref alive[target])) continue;
                        try
                        {
                            using var response = await clients[target].SendAsync(Signing.IssueEdited(Secret, guid, issue));
                            Assert.True(response.IsSuccessStatusCode, $"{guid}: {(int)response.StatusCode}");
                            acknowledged.Enqueue(guid);
                            break;
                        }
                        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && replicas[target] == victim)
                        {
                            Interlocked.Increment(ref redelivered);
                            await killed.Task;
                        }
                    }
                }
            })).ToArray();

            while (acknowledged.Count < Issues * EventsPerIssue / 3) await Task.Delay(5);
            alive[1] = false;
            victim.Kill();
            inProgressAtKill = await CountAsync(database, $"SELECT COUNT(*) FROM deliveries WHERE state = 1 AND claimed_by LIKE '%/{victim.Id}/%'");
            killed.SetResult();
            await Task.WhenAll(senders);
            var sent = clock.Elapsed;

            Assert.True(await Eventually.UntilAsync(async () => await CountAsync(database, "SELECT COUNT(*) FROM deliveries WHERE state IN (0, 1)") == 0,
                PostgresStorage.Lease * 4), "deliveries were still waiting or in progress");
            var drained = clock.Elapsed;

            var completions = await CompletionsAsync(database);
            Assert.Equal(Issues * EventsPerIssue, acknowledged.Distinct().Count());
            var twice = completions.GroupBy(c => c.Guid).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(twice.Count == 0, $"{twice.Count} deliveries were completed more than once, e.g. {twice.FirstOrDefault()}");
            var missing = acknowledged.Except(completions.Select(c => c.Guid)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} acknowledged deliveries were never completed, e.g. {missing.FirstOrDefault()}");
            foreach (var issue in completions.GroupBy(c => c.Guid[..c.Guid.LastIndexOf('-')]))
            {
                var order = issue.OrderBy(c => c.AuditId).Select(c => c.Guid).ToList();
                Assert.Equal(order.Order(StringComparer.Ordinal), order);
            }
            // Nothing fails in dry run, so the only second attempts are the killed replica's unfinished rows.
            var retried = await CountAsync(database, "SELECT COUNT(*) FROM deliveries WHERE attempts > 1");
            Assert.Equal(inProgressAtKill, retried);

            output.WriteLine($"{Issues * EventsPerIssue} deliveries for {Issues} issues to 3 replicas; replica {victim.Id} killed after {Issues * EventsPerIssue / 3} acknowledgements");
            output.WriteLine($"in progress on the killed replica at the kill: {inProgressAtKill}; taken again after its lease: {retried}; sends redelivered to another replica: {redelivered}");
            output.WriteLine($"all sent in {sent.TotalSeconds:F1} s, all processed {drained.TotalSeconds:F1} s after the first send; completed twice: 0; out of order: 0");
        }
        finally
        {
            foreach (var replica in replicas) replica.Dispose();
        }
    }

    private static async Task<long> CountAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Each time a delivery reached the end of processing, in the order the audit log recorded it.</summary>
    private static async Task<List<(string Guid, long AuditId)>> CompletionsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT d.guid, a.id FROM audit a JOIN deliveries d ON d.id = a.delivery_id
            WHERE a.outcome NOT IN ('failed, will retry', 'dead-lettered')
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var completions = new List<(string, long)>();
        while (await reader.ReadAsync()) completions.Add((reader.GetString(0), reader.GetInt64(1)));
        return completions;
    }
}
