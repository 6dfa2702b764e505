using System.Text;
using MarketingBot.Commands;
using MarketingBot.Storage;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace MarketingBot.Tests.Storage;

/// <summary>
/// What every storage provider must do alike: the inbox, the bot's records, the audit log and the
/// schedules. Each provider's subclass runs all of it against its own database.
/// </summary>
public abstract class InboxContract : IAsyncLifetime
{
    protected readonly FakeTimeProvider Time = new(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));
    protected Inbox Store = null!;

    /// <summary>Opens the inbox on this test's database; called again to simulate a restart.</summary>
    protected abstract Inbox Open(TimeProvider time);

    protected abstract Task CreateDatabaseAsync();

    protected virtual Task DropDatabaseAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        await CreateDatabaseAsync();
        Store = Open(Time);
    }

    public async Task DisposeAsync()
    {
        await Store.DisposeAsync();
        await DropDatabaseAsync();
    }

    protected static IncomingDelivery Delivery(string guid, string? key, string body = "{}") =>
        new(guid, "issues", "edited", 1, key, BodyCompression.Compress(Encoding.UTF8.GetBytes(body)), Encoding.UTF8.GetByteCount(body));

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

        await Store.DisposeAsync();
        Store = Open(Time);
        Assert.Equal(1, await Store.RequeueInterruptedAsync());
        var again = Assert.Single(await Store.ClaimReadyAsync(10));
        Assert.Equal(("a", 2), (again.Guid, again.Attempt));
    }

    [StorageFact]
    public async Task The_body_is_stored_compressed_and_comes_back_byte_for_byte()
    {
        var body = Payloads.IssueEvent("opened", 3, "I_3");
        await Store.StoreAsync(new IncomingDelivery("c", "issues", "opened", 1, "I_3", BodyCompression.Compress(body), body.Length));
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
    public async Task A_card_remembers_its_column_and_each_move_once_with_who_moved_it()
    {
        await Store.RecordCardAsync(7, new BoardCard("I_1", "PVT_1", "PVTI_1", null, false), "MarketingBot");
        Time.Advance(TimeSpan.FromHours(1));
        await Store.RecordCardAsync(null, new BoardCard("I_1", "PVT_1", "PVTI_1", "In progress", false), "mona");
        await Store.RecordCardAsync(null, new BoardCard("I_1", "PVT_1", "PVTI_1", "In progress", false), "mona");
        Time.Advance(TimeSpan.FromHours(1));
        await Store.RecordCardAsync(null, new BoardCard("I_1", "PVT_1", "PVTI_1", "In progress", true), "MarketingBot");

        Assert.Equal(new BoardCard("I_1", "PVT_1", "PVTI_1", "In progress", true), await Store.FindCardAsync("I_1"));
        Assert.Equal("I_1", Assert.Single(await Store.ListCardsAsync(7)).ContentNodeId);
        Assert.Equal([BoardCard.NoStatus, "In progress", BoardCard.Archived], (await Store.ReadStatusHistoryAsync("I_1")).Select(h => h.Column));
        Assert.Equal("mona", (await Store.ReadStatusHistoryAsync("I_1"))[1].MovedBy);
        Assert.Equal(3, (await Store.ReadAllStatusHistoryAsync()).Count);

        await Store.RecordCardAsync(null, new BoardCard("I_1", "PVT_1", "PVTI_1", null, false, Removed: true), "mona");
        Assert.Null(await Store.FindCardAsync("I_1"));
        Assert.Equal(BoardCard.RemovedColumn, (await Store.ReadStatusHistoryAsync("I_1"))[^1].Column);
    }

    [StorageFact]
    public async Task A_persons_latest_word_on_a_request_wins_whatever_the_case_of_their_login()
    {
        var at = Time.GetUtcNow();
        await Store.RecordApprovalAsync("I_1", new Approval("Mona", ["pmm"], true, null, CommentId: 20, at));
        await Store.RecordApprovalAsync("I_1", new Approval("mona", ["pmm"], false, "not yet", CommentId: 10, at.AddMinutes(-1)));
        await Store.RecordApprovalAsync("I_1", new Approval("hubot", ["head"], false, "budget", CommentId: 30, at.AddMinutes(1)));
        await Store.RecordApprovalAsync("I_2", new Approval("mona", ["pmm"], false, null, CommentId: 40, at));

        Assert.Equal([("Mona", true, null), ("hubot", false, "budget")], (await Store.ReadApprovalsAsync("I_1")).Select(a => (a.Login, a.Approves, a.Note)));
        Assert.Equal(["pmm"], (await Store.ReadApprovalsAsync("I_1"))[0].Roles);
    }

    [StorageFact]
    public async Task A_scheduled_occurrence_runs_once_and_a_failed_one_may_run_again_five_minutes_later()
    {
        var occurrence = new DateTimeOffset(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);
        Assert.True(await Store.TryStartJobAsync("two-hour", occurrence));
        Assert.False(await Store.TryStartJobAsync("two-hour", occurrence));
        Assert.True(await Store.TryStartJobAsync("review", occurrence));
        await Store.FinishJobAsync("review", occurrence, "opened #12");
        await Store.FinishJobAsync("two-hour", occurrence, $"{MarketingBot.Scheduling.JobOutcome.FailedPrefix}GitHub said 502");

        Time.Advance(TimeSpan.FromMinutes(4));
        Assert.False(await Store.TryStartJobAsync("two-hour", occurrence));
        Assert.False(await Store.TryStartJobAsync("review", occurrence));
        Time.Advance(TimeSpan.FromMinutes(2));
        Assert.True(await Store.TryStartJobAsync("two-hour", occurrence));
        Assert.False(await Store.TryStartJobAsync("review", occurrence));

        var runs = await Store.ReadJobRunsAsync();
        Assert.Equal([("two-hour", null), ("review", "opened #12")], runs.Select(r => (r.Job, r.Outcome)));
    }

    [StorageFact]
    public async Task Reminders_are_counted_sent_and_resolved_and_a_snooze_is_remembered()
    {
        var from = Time.GetUtcNow();
        await Store.RecordNagAsync("DI_1", "acme/tracker", "Write the launch post");
        await Store.RecordNagAsync("DI_1", "acme/tracker", "Write the launch post (4h)");
        await Store.RecordNagAsync("DI_2", "acme/tracker", "Shoot the demo");
        await Store.ResolveNagAsync("DI_2");
        await Store.ResolveNagAsync("DI_2");
        await Store.RecordSnoozeAsync("DI_1", from.AddDays(2), "mona");

        var open = Assert.Single(await Store.ReadOpenNagsAsync("acme/tracker"));
        Assert.Equal(("DI_1", "Write the launch post (4h)", 2), (open.Item, open.Title, open.Sent));
        Assert.Empty(await Store.ReadOpenNagsAsync("acme/other"));
        Assert.Equal((3, 1), await Store.CountNagsAsync(from, from.AddDays(1)));
        Assert.Equal((0, 0), await Store.CountNagsAsync(from.AddDays(1), from.AddDays(2)));
        Assert.Equal(from.AddDays(2), await Store.SnoozedUntilAsync("DI_1"));
        Assert.Null(await Store.SnoozedUntilAsync("DI_2"));
    }

    [StorageFact]
    public async Task A_request_keeps_whether_it_was_complete_when_opened_while_later_events_update_the_rest()
    {
        var opened = Time.GetUtcNow();
        await Store.RecordRequestAsync(new RequestRecord("I_1", "acme/marketing", 1, "blog-post", opened, false, null, null), opening: true);
        await Store.RecordRequestAsync(new RequestRecord("I_1", "acme/marketing", 1, "blog-post", opened, true, new DateOnly(2026, 12, 1), opened.AddDays(3)), opening: false);
        await Store.RecordRequestAsync(new RequestRecord("I_2", "acme/marketing", 2, "demo", opened.AddHours(1), null, null, null), opening: false);

        Assert.Equal(
            [new RequestRecord("I_1", "acme/marketing", 1, "blog-post", opened, false, new DateOnly(2026, 12, 1), opened.AddDays(3)),
             new RequestRecord("I_2", "acme/marketing", 2, "demo", opened.AddHours(1), null, null, null)],
            await Store.ReadRequestsAsync());
    }

    [StorageFact]
    public async Task Readiness_sees_the_database_and_names_it_without_a_password()
    {
        Assert.True(await Store.IsReachableAsync());
        Assert.DoesNotContain("assword", Store.Location, StringComparison.OrdinalIgnoreCase);
    }
}
