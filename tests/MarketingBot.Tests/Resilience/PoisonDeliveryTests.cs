using System.Text;
using MarketingBot.Storage;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Resilience;

/// <summary>A delivery whose processing kills the process is dead-lettered after its attempts, not retried forever.</summary>
public sealed class PoisonDeliveryTests
{
    [Fact]
    public async Task A_delivery_cut_short_by_the_process_on_every_attempt_is_dead_lettered_as_poison_and_others_go_on()
    {
        using var folder = new TempFolder();
        var database = $"Data Source={folder.File("bot.db")}";
        var body = Encoding.UTF8.GetBytes("""{"zen":"Approachable is better than simple.","hook_id":1}""");
        // What three kills in the middle of its processing leave behind: each start requeued it and claimed it again.
        await using (var killed = new Storage.OpenedInbox(Database.OpenSqlite(database, TimeProvider.System)))
        {
            await killed.Inbox.StoreAsync(new IncomingDelivery("poison", "ping", null, 1, null, body));
            for (var kill = 0; kill < 3; kill++)
            {
                await killed.Inbox.RequeueInterruptedAsync();
                Assert.Equal(kill + 1, Assert.Single(await killed.Inbox.ClaimReadyAsync(1)).Attempt);
            }
        }

        await using var bot = new BotFactory(new() { ["Storage:ConnectionString"] = database, ["Bot:MaxAttempts"] = "3" });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await bot.PostAsync("ping", "healthy", body)).StatusCode);
        await bot.DrainAsync();

        var dead = Assert.Single(await bot.Inbox.ReadDeliveriesAsync(10, DeliveryState.Dead));
        Assert.Equal("poison", dead.Guid);
        Assert.Contains("stopped while handling this delivery on each of its 3 attempts", dead.LastError);
        Assert.Equal("dead-lettered", Assert.Single(await bot.Inbox.ReadAuditAsync("poison")).Outcome);
        Assert.Null(Assert.Single(await bot.Inbox.ReadAuditAsync("healthy")).Error);

        // The dashboard's retry gives it a fresh set of attempts.
        Assert.True(await bot.Inbox.RetryDeadAsync("poison"));
        await bot.DrainAsync();
        Assert.Equal(new InboxCounts(0, 0, 2, 0), await bot.Inbox.CountAsync());
    }

    [Fact]
    public async Task A_delivery_handed_back_at_shutdown_keeps_its_attempt()
    {
        using var folder = new TempFolder();
        await using var opened = new Storage.OpenedInbox(Database.OpenSqlite($"Data Source={folder.File("bot.db")}", TimeProvider.System));
        var body = "{}"u8.ToArray();
        await opened.Inbox.StoreAsync(new IncomingDelivery("d", "ping", null, 1, null, body));
        var claimed = Assert.Single(await opened.Inbox.ClaimReadyAsync(1));

        await opened.Inbox.ReleaseAsync(claimed);
        Assert.Equal(1, Assert.Single(await opened.Inbox.ClaimReadyAsync(1)).Attempt);
    }
}
