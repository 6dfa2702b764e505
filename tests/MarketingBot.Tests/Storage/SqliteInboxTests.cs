using System.Text;
using MarketingBot.Storage;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace MarketingBot.Tests.Storage;

public sealed class SqliteInboxTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));
    private Inbox _inbox = null!;

    private string ConnectionString => $"Data Source={_folder.File("inbox.db")}";

    public Task InitializeAsync()
    {
        _inbox = Inbox.OpenSqlite(ConnectionString, _time);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _inbox.DisposeAsync();
        _folder.Dispose();
    }

    private static IncomingDelivery Delivery(string guid, string? key, string body = "{}") =>
        new(guid, "issues", "edited", 1, key, BodyCompression.Compress(Encoding.UTF8.GetBytes(body)), Encoding.UTF8.GetByteCount(body));

    [Fact]
    public async Task A_later_event_of_an_issue_waits_for_the_earlier_one_while_other_issues_go_ahead()
    {
        await _inbox.StoreAsync(Delivery("a1", "issue-A"));
        await _inbox.StoreAsync(Delivery("a2", "issue-A"));
        await _inbox.StoreAsync(Delivery("b1", "issue-B"));
        await _inbox.StoreAsync(Delivery("x1", null));

        var first = await _inbox.ClaimReadyAsync(10);
        Assert.Equal(["a1", "b1", "x1"], first.Select(d => d.Guid));
        Assert.Empty(await _inbox.ClaimReadyAsync(10));

        await _inbox.CompleteAsync(first[0], "ok", dryRun: true, []);
        Assert.Equal(["a2"], (await _inbox.ClaimReadyAsync(10)).Select(d => d.Guid));
    }

    [Fact]
    public async Task An_issue_whose_earlier_event_waits_for_a_retry_is_held_back_until_then()
    {
        await _inbox.StoreAsync(Delivery("a1", "issue-A"));
        await _inbox.StoreAsync(Delivery("a2", "issue-A"));
        var a1 = Assert.Single(await _inbox.ClaimReadyAsync(10));
        await _inbox.FailAsync(a1, _time.GetUtcNow().AddSeconds(30), dryRun: true, "boom");

        Assert.Empty(await _inbox.ClaimReadyAsync(10));
        _time.Advance(TimeSpan.FromSeconds(31));
        var retried = Assert.Single(await _inbox.ClaimReadyAsync(10));
        Assert.Equal(("a1", 2), (retried.Guid, retried.Attempt));
    }

    [Fact]
    public async Task A_repeat_of_a_done_or_running_delivery_is_not_queued_but_a_dead_one_is()
    {
        Assert.Equal(StoreOutcome.Queued, await _inbox.StoreAsync(Delivery("d", null)));
        Assert.Equal(StoreOutcome.AlreadyHandled, await _inbox.StoreAsync(Delivery("d", null)));
        var claimed = Assert.Single(await _inbox.ClaimReadyAsync(10));
        Assert.Equal(StoreOutcome.AlreadyHandled, await _inbox.StoreAsync(Delivery("d", null)));

        await _inbox.FailAsync(claimed, retryAt: null, dryRun: true, "gave up");
        Assert.Equal(new InboxCounts(0, 0, 0, 1), await _inbox.CountAsync());
        Assert.Equal(StoreOutcome.Queued, await _inbox.StoreAsync(Delivery("d", null)));
        var again = Assert.Single(await _inbox.ClaimReadyAsync(10));
        Assert.Equal(1, again.Attempt);

        await _inbox.CompleteAsync(again, "ok", dryRun: true, []);
        Assert.Equal(StoreOutcome.AlreadyHandled, await _inbox.StoreAsync(Delivery("d", null)));
    }

    [Fact]
    public async Task Deliveries_in_progress_when_the_process_died_are_queued_again_on_the_next_start()
    {
        await _inbox.StoreAsync(Delivery("a", "issue-A"));
        Assert.Single(await _inbox.ClaimReadyAsync(10));

        await using var restarted = Inbox.OpenSqlite(ConnectionString, _time);
        Assert.Equal(1, await restarted.RequeueInterruptedAsync());
        var again = Assert.Single(await restarted.ClaimReadyAsync(10));
        Assert.Equal(("a", 2), (again.Guid, again.Attempt));
    }

    [Fact]
    public async Task The_body_is_stored_compressed_and_comes_back_byte_for_byte()
    {
        var body = Payloads.IssueEvent("opened", 3, "I_3");
        await _inbox.StoreAsync(new IncomingDelivery("c", "issues", "opened", 1, "I_3", BodyCompression.Compress(body), body.Length));
        var claimed = Assert.Single(await _inbox.ClaimReadyAsync(1));
        Assert.True(claimed.CompressedBody.Length < body.Length / 3, $"{claimed.CompressedBody.Length} of {body.Length} bytes");
        Assert.Equal(body, BodyCompression.Decompress(claimed.CompressedBody, claimed.BodyLength));
    }

    [Fact]
    public async Task A_file_from_the_first_schema_version_is_upgraded_and_keeps_its_deliveries()
    {
        var path = _folder.File("v1.db");
        using (var v1 = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            v1.Open();
            using var create = v1.CreateCommand();
            // The first release's tables, as such a file holds them.
            create.CommandText = """
                CREATE TABLE deliveries (id INTEGER PRIMARY KEY, guid TEXT NOT NULL UNIQUE, event TEXT NOT NULL, action TEXT, installation_id INTEGER,
                    ordering_key TEXT, received_at INTEGER NOT NULL, body BLOB NOT NULL, body_length INTEGER NOT NULL, state INTEGER NOT NULL,
                    attempts INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, last_error TEXT, finished_at INTEGER);
                CREATE TABLE audit (id INTEGER PRIMARY KEY, delivery_id INTEGER NOT NULL, attempt INTEGER NOT NULL, at INTEGER NOT NULL,
                    outcome TEXT NOT NULL, dry_run INTEGER NOT NULL, effects TEXT NOT NULL, error TEXT);
                INSERT INTO deliveries VALUES (1, 'old', 'ping', NULL, NULL, NULL, 0, x'', 0, 0, 0, 0, NULL, NULL);
                PRAGMA user_version = 1;
                """;
            create.ExecuteNonQuery();
        }

        await using var upgraded = Inbox.OpenSqlite($"Data Source={path}", _time);
        Assert.Equal("old", Assert.Single(await upgraded.ClaimReadyAsync(10)).Guid);
        await upgraded.RecordCardAsync(42, new BoardCard("I_1", "PVT_1", "PVTI_1", null, false), "MarketingBot");
        Assert.Equal("PVTI_1", (await upgraded.FindCardAsync("I_1"))!.ItemId);
        Assert.Equal("I_1", Assert.Single(await upgraded.ListCardsAsync(42)).ContentNodeId);
        Assert.Empty(await upgraded.ListCardsAsync(43));
    }

    [Fact]
    public async Task Many_concurrent_stores_all_commit_and_all_are_claimable()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 500).Select(i => _inbox.StoreAsync(Delivery($"g{i}", $"k{i % 7}"))));
        Assert.All(outcomes, o => Assert.Equal(StoreOutcome.Queued, o));
        Assert.Equal(500, (await _inbox.CountAsync()).Pending);
    }
}
