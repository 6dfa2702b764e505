using System.Text;
using MarketingBot.Storage;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Storage;

/// <summary>
/// What every storage provider must do alike for the delivery queue and its audit log. Each provider's
/// subclass runs all of it against its own database.
/// </summary>
public abstract class InboxContract(TestDatabase testDatabase) : StorageContract(testDatabase)
{
    protected Inbox Store = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Store = new Inbox(Database);
    }

    public override async Task DisposeAsync()
    {
        await Store.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>Stops and starts the inbox on the same database, as a restart of the bot would.</summary>
    protected async Task RestartAsync()
    {
        await Store.DisposeAsync();
        await ReopenDatabaseAsync();
        Store = new Inbox(Database);
    }

    /// <summary>Another inbox on this test's database: another replica.</summary>
    protected OpenedInbox OpenReplica(TimeProvider time) => new(TestDatabase.Open(time));

    protected static IncomingDelivery Delivery(string guid, string? key, string body = "{}") =>
        new(guid, "issues", "edited", 1, key, Encoding.UTF8.GetBytes(body));

    [StorageFact]
    public async Task A_later_event_of_an_issue_waits_for_the_earlier_one_while_other_issues_go_ahead()
    {
        await Store.StoreAsync(Delivery("a1", "issue-A"));
        await Store.StoreAsync(Delivery("a2", "issue-A"));
        await Store.StoreAsync(Delivery("b1", "issue-B"));
        await Store.StoreAsync(Delivery("x1", null));

        var first = await Store.ClaimReadyAsync(10);
        Assert.Equal(["a1", "b1", "x1"], first.Select(d => d.Guid));
        Assert.Empty(await Store.ClaimReadyAsync(10));

        await Store.CompleteAsync(first[0], "ok", dryRun: true, []);
        Assert.Equal(["a2"], (await Store.ClaimReadyAsync(10)).Select(d => d.Guid));
    }

    [StorageFact]
    public async Task An_issue_whose_earlier_event_waits_for_a_retry_is_held_back_until_then()
    {
        await Store.StoreAsync(Delivery("a1", "issue-A"));
        await Store.StoreAsync(Delivery("a2", "issue-A"));
        var a1 = Assert.Single(await Store.ClaimReadyAsync(10));
        await Store.FailAsync(a1, Time.GetUtcNow().AddSeconds(30), dryRun: true, "boom");

        Assert.Empty(await Store.ClaimReadyAsync(10));
        Time.Advance(TimeSpan.FromSeconds(31));
        var retried = Assert.Single(await Store.ClaimReadyAsync(10));
        Assert.Equal(("a1", 2), (retried.Guid, retried.Attempt));
    }

    [StorageFact]
    public async Task A_repeat_of_a_done_or_running_delivery_is_not_queued_but_a_dead_one_is()
    {
        Assert.Equal(StoreOutcome.Queued, await Store.StoreAsync(Delivery("d", null)));
        Assert.Equal(StoreOutcome.AlreadyHandled, await Store.StoreAsync(Delivery("d", null)));
        var claimed = Assert.Single(await Store.ClaimReadyAsync(10));
        Assert.Equal(StoreOutcome.AlreadyHandled, await Store.StoreAsync(Delivery("d", null)));

        await Store.FailAsync(claimed, retryAt: null, dryRun: true, "gave up");
        Assert.Equal(new InboxCounts(0, 0, 0, 1), await Store.CountAsync());
        Assert.Equal([("d", DeliveryState.Dead, "gave up")], (await Store.ReadDeliveriesAsync(10, DeliveryState.Dead)).Select(d => (d.Guid, d.State, d.LastError)));
        Assert.Equal(StoreOutcome.Queued, await Store.StoreAsync(Delivery("d", null)));
        var again = Assert.Single(await Store.ClaimReadyAsync(10));
        Assert.Equal(1, again.Attempt);

        await Store.CompleteAsync(again, "ok", dryRun: true, []);
        Assert.Equal(StoreOutcome.AlreadyHandled, await Store.StoreAsync(Delivery("d", null)));
    }

    [StorageFact]
    public async Task A_dead_letter_retried_from_the_dashboard_is_queued_with_fresh_attempts()
    {
        await Store.StoreAsync(Delivery("d", null));
        await Store.FailAsync(Assert.Single(await Store.ClaimReadyAsync(1)), retryAt: null, dryRun: false, "gave up");

        Assert.False(await Store.RetryDeadAsync("unknown"));
        Assert.True(await Store.RetryDeadAsync("d"));
        Assert.False(await Store.RetryDeadAsync("d"));
        Assert.Equal(1, Assert.Single(await Store.ClaimReadyAsync(1)).Attempt);
    }

    [StorageFact]
    public async Task Deliveries_in_progress_when_the_process_stopped_are_queued_again_on_the_next_start()
    {
        await Store.StoreAsync(Delivery("a", "issue-A"));
        Assert.Single(await Store.ClaimReadyAsync(10));

        await RestartAsync();
        Assert.Equal(1, await Store.RequeueInterruptedAsync());
        var again = Assert.Single(await Store.ClaimReadyAsync(10));
        Assert.Equal(("a", 2), (again.Guid, again.Attempt));
    }

    [StorageFact]
    public async Task The_body_is_stored_compressed_and_comes_back_byte_for_byte()
    {
        var body = Payloads.IssueEvent("opened", 3, "I_3");
        await Store.StoreAsync(new IncomingDelivery("c", "issues", "opened", 1, "I_3", body));
        var claimed = Assert.Single(await Store.ClaimReadyAsync(1));
        Assert.True(claimed.CompressedBody.Length < body.Length / 3, $"{claimed.CompressedBody.Length} of {body.Length} bytes");
        Assert.Equal(body, BodyCompression.Decompress(claimed.CompressedBody, claimed.BodyLength));
        Assert.Equal((1L, "I_3", "issues.opened"), (claimed.InstallationId!.Value, claimed.OrderingKey, claimed.Name));
    }

    [StorageFact]
    public async Task The_same_delivery_arriving_twice_at_once_is_queued_once()
    {
        var outcomes = await Task.WhenAll(Store.StoreAsync(Delivery("twice", "issue-A")), Store.StoreAsync(Delivery("twice", "issue-A")));
        Assert.Equal([StoreOutcome.Queued, StoreOutcome.AlreadyHandled], outcomes.Order());
        Assert.Equal("twice", Assert.Single(await Store.ClaimReadyAsync(10)).Guid);
    }

    [StorageFact]
    public async Task Many_concurrent_stores_all_commit_and_all_are_claimable()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 500).Select(i => Store.StoreAsync(Delivery($"g{i}", $"k{i % 7}"))));
        Assert.All(outcomes, o => Assert.Equal(StoreOutcome.Queued, o));
        Assert.Equal(500, (await Store.CountAsync()).Pending);
        Assert.Equal(500, await Store.CountWaitingAsync());
        Assert.True(await Store.HasDeliveryAsync("g499"));
        Assert.False(await Store.HasDeliveryAsync("g500"));
        Assert.Equal(Time.GetUtcNow(), await Store.LastReceivedAsync());
    }

    [StorageFact]
    public async Task The_audit_log_keeps_each_attempt_with_its_effects_in_order()
    {
        await Store.StoreAsync(Delivery("a", "issue-A"));
        await Store.FailAsync(Assert.Single(await Store.ClaimReadyAsync(1)), Time.GetUtcNow(), dryRun: false, "GitHub said 502");
        await Store.CompleteAsync(Assert.Single(await Store.ClaimReadyAsync(1)), "applied", dryRun: true, ["comment on #1", "label #1 +incomplete"]);

        var audit = await Store.ReadAuditAsync("a");
        Assert.Equal([(1, "failed, will retry", false, "GitHub said 502", 0), (2, "applied", true, null, 2)],
            audit.Select(e => (e.Attempt, e.Outcome, e.DryRun, e.Error, e.Effects.Count)));
        Assert.Equal(["comment on #1", "label #1 +incomplete"], audit[1].Effects);
        Assert.Equal(2, (await Store.ReadAuditAsync()).Count);
        Assert.Empty(await Store.ReadAuditAsync("other"));
    }

    [StorageFact]
    public async Task Readiness_sees_the_database_and_names_it_without_a_password()
    {
        Assert.True(await Database.IsReachableAsync());
        Assert.DoesNotContain("assword", Database.Location, StringComparison.OrdinalIgnoreCase);
    }
}
