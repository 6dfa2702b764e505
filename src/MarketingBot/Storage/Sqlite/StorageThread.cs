using System.Collections.Concurrent;
using MarketingBot.Hosting;

namespace MarketingBot.Storage.Sqlite;

/// <summary>
/// The one thread that uses SQLite's worker connection, at a lower priority than the rest of the process. Copying the
/// journal into the tables, claiming, recording outcomes and checkpoints are most of what processing costs (in a dry
/// run, four fifths of it is SQLite and the file reads and writes under it), in steps of up to tens of milliseconds.
/// Run on the thread pool, each step held a pool thread while deliveries waited for one to be answered on (p99
/// 17–20 ms at 500/s while a backlog drained); on a thread of its own at a lower priority, the operating system
/// lets the intake go first whenever it has work, and the backlog takes whatever is left.
/// </summary>
internal sealed class StorageThread : IDisposable
{
    /// <summary>Linux "nice" of the thread: the scheduler gives a thread at 10 about a tenth of the share of one at 0.</summary>
    private const int Niceness = 10;

    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread _thread;

    public StorageThread(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on the thread, after what was handed in before it.</summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            _work.Add(() =>
            {
                try
                {
                    result.SetResult(work());
                }
                catch (Exception ex)
                {
                    result.SetException(ex);
                }
            });
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(nameof(StorageThread), "The database is closing.");
        }
        return result.Task;
    }

    private void Run()
    {
        LowerPriority();
        foreach (var work in _work.GetConsumingEnumerable()) work();
    }

    /// <summary>Lowers this thread's priority: its niceness where glibc gives one per thread, else the runtime's priority.</summary>
    private static void LowerPriority()
    {
        if (!Glibc.SetThreadNiceness(Niceness)) Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
    }

    /// <summary>Waits for the work handed in so far, then ends the thread.</summary>
    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join();
        _work.Dispose();
    }
}
