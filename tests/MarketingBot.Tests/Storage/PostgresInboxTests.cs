using MarketingBot.Storage;
using MarketingBot.Scheduling;
using MarketingBot.Storage.Postgres;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace MarketingBot.Tests.Storage;

/// <summary>
/// The storage contract on PostgreSQL, and what only several replicas on one database need:
/// concurrent claims, leases, and migrations run once.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresInboxTests(PostgresServer server) : InboxContract(new PostgresTestDatabase(server)), IUsesPostgres
{

    [PostgresFact]
    public async Task Two_replicas_claiming_at_once_never_take_the_same_delivery_and_keep_each_issues_order()
    {
        for (var i = 0; i < 300; i++) await Store.StoreAsync(Delivery($"d{i:000}", $"issue-{i % 10}"));
        await using var otherReplica = OpenReplica(Time);
        var other = otherReplica.Inbox;

        var finished = new System.Collections.Concurrent.ConcurrentQueue<ClaimedDelivery>();
        async Task Work(Inbox replica)
        {
            while (finished.Count < 300)
            {
                var claimed = await replica.ClaimReadyAsync(4);
                foreach (var delivery in claimed)
                {
                    finished.Enqueue(delivery);
                    await replica.CompleteAsync(delivery, "ok", dryRun: true, []);
                }
                if (claimed.Count == 0) await Task.Delay(1);
            }
        }
        await Task.WhenAll(Work(Store), Work(other), Work(Store), Work(other)).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(300, finished.Select(d => d.Guid).Distinct().Count());
        Assert.Equal(300, finished.Count);
        foreach (var issue in finished.GroupBy(d => d.OrderingKey))
            Assert.Equal(issue.Select(d => d.Id).Order(), issue.Select(d => d.Id));
        Assert.Equal(300, (await Store.CountAsync()).Done);
    }

    [PostgresFact]
    public async Task A_replica_that_stops_heartbeating_loses_its_deliveries_to_the_others_after_the_lease()
    {
        await Store.StoreAsync(Delivery("a", "issue-A"));
        await Store.StoreAsync(Delivery("a2", "issue-A"));
        Assert.Equal("a", Assert.Single(await Store.ClaimReadyAsync(10)).Guid);

        // Another replica, whose clock runs on: within the lease the claim stands, after it the row is queued again.
        var later = new FakeTimeProvider(Time.GetUtcNow() + PostgresStorage.Lease - TimeSpan.FromSeconds(1));
        await using var survivorReplica = OpenReplica(later);
        var survivor = survivorReplica.Inbox;
        Assert.Equal(0, await survivor.RequeueInterruptedAsync());
        Assert.Empty(await survivor.ClaimReadyAsync(10));
        later.Advance(TimeSpan.FromSeconds(2));
        // The survivor's own upkeep may get there first; either way the row is queued again once.
        await survivor.RequeueInterruptedAsync();
        var again = Assert.Single(await survivor.ClaimReadyAsync(10));
        Assert.Equal(("a", 2), (again.Guid, again.Attempt));
    }

    [PostgresFact]
    public async Task A_delivery_that_reaches_two_replicas_at_once_is_queued_once_and_a_job_occurrence_runs_on_one()
    {
        await using var otherReplica = OpenReplica(Time);
        var other = otherReplica.Inbox;
        var (jobs, otherJobs) = (new JobRuns(Database), new JobRuns(otherReplica.Database));
        var occurrence = Time.GetUtcNow();
        for (var i = 0; i < 20; i++)
        {
            var stored = await Task.WhenAll(Store.StoreAsync(Delivery($"same-{i}", null)), other.StoreAsync(Delivery($"same-{i}", null)));
            Assert.Equal(1, stored.Count(o => o == StoreOutcome.Queued));
            var started = await Task.WhenAll(jobs.TryStartJobAsync("two-hour", occurrence.AddDays(i)), otherJobs.TryStartJobAsync("two-hour", occurrence.AddDays(i)));
            Assert.Equal(1, started.Count(s => s));
        }
        Assert.Equal(20, (await other.CountAsync()).Pending);
    }

    [Fact]
    public void A_connection_string_that_is_not_PostgreSQLs_is_refused_with_an_example_and_without_its_password()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => Database.OpenPostgres("Host=127.0.0.1;Password=s3cret-pw;Data Source=bot.db", Time));
        Assert.Contains("Storage__ConnectionString is not a PostgreSQL connection string", refused.Message);
        Assert.Contains("Host=db;Port=5432", refused.Message);
        Assert.DoesNotContain("s3cret-pw", refused.Message);
    }

    [PostgresFact]
    public async Task A_database_that_cannot_be_opened_is_named_in_a_clear_message_without_the_password()
    {
        var missing = new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync()) { Database = "no_such_database", Password = "s3cret-pw" };
        var refused = Assert.Throws<InvalidOperationException>(() => Database.OpenPostgres(missing.ToString(), Time));
        Assert.StartsWith($"Storage: could not open PostgreSQL 127.0.0.1:{missing.Port}/no_such_database", refused.Message);
        Assert.Contains("does not exist", refused.Message);
        Assert.DoesNotContain("s3cret-pw", refused.Message);
    }

    [PostgresFact]
    public async Task Replicas_starting_together_migrate_the_schema_once()
    {
        var fresh = await server.CreateDatabaseAsync();
        var replicas = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => Database.OpenPostgres(fresh, Time))));
        foreach (var replica in replicas) Assert.True(await replica.IsReachableAsync());
        foreach (var replica in replicas) await replica.DisposeAsync();

        await using var connection = new NpgsqlConnection(fresh);
        await connection.OpenAsync();
        await using var versions = new NpgsqlCommand("SELECT COUNT(*), MAX(version) FROM schema_migrations", connection);
        await using var reader = await versions.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(((long)PostgresStorage.SchemaVersion, PostgresStorage.SchemaVersion), (reader.GetInt64(0), reader.GetInt32(1)));
    }
}
