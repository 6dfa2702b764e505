using MarketingBot.Storage.Sqlite;
using MarketingBot.Tests.Hosting;

namespace MarketingBot.Tests.Storage;

public sealed class StorageThreadTests
{
    /// <summary>The calling thread's niceness, from /proc: the 19th field of its stat line.</summary>
    private static int Niceness()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16]);
    }

    [GlibcFact]
    public async Task Work_runs_in_the_order_handed_in_on_one_thread_that_the_intake_goes_before()
    {
        using var thread = new StorageThread("test worker");
        var ran = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => thread.RunAsync(() => (Order: i, Thread: Environment.CurrentManagedThreadId, Nice: Niceness()))));

        Assert.Equal(Enumerable.Range(0, 20), ran.Select(r => r.Order));
        Assert.Single(ran.Select(r => r.Thread).Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, ran[0].Thread);
        Assert.All(ran, r => Assert.True(r.Nice >= 10, $"niceness {r.Nice}"));
        Assert.True(Niceness() < 10, "the rest of the process keeps its priority");
    }

    [Fact]
    public async Task A_failure_reaches_the_caller_and_the_thread_goes_on()
    {
        using var thread = new StorageThread("test worker");
        await Assert.ThrowsAsync<InvalidOperationException>(() => thread.RunAsync<int>(() => throw new InvalidOperationException("disk full")));
        Assert.Equal(2, await thread.RunAsync(() => 2));
    }

    [Fact]
    public async Task Work_handed_in_before_disposal_is_done_and_nothing_is_taken_after()
    {
        var thread = new StorageThread("test worker");
        var slow = thread.RunAsync(() =>
        {
            Thread.Sleep(50);
            return "done";
        });
        thread.Dispose();
        Assert.Equal("done", await slow);
        Assert.Throws<ObjectDisposedException>(() => { _ = thread.RunAsync(() => 1); });
    }
}
