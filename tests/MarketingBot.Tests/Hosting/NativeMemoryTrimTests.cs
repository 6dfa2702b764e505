using System.Runtime.InteropServices;
using MarketingBot.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace MarketingBot.Tests.Hosting;

public class NativeMemoryTrimTests
{
    [Fact]
    public async Task It_trims_once_a_second_while_the_service_runs()
    {
        using var trimmer = await Trimmer.StartAsync(glibc: true);

        await trimmer.AdvanceAsync(TimeSpan.FromMilliseconds(900));
        Assert.Equal(0, trimmer.Trims);
        await trimmer.AdvanceAsync(TimeSpan.FromMilliseconds(100));
        await WaitForAsync(() => trimmer.Trims == 1);
        for (var i = 0; i < 3; i++) await trimmer.AdvanceAsync(NativeMemoryTrim.Interval);
        await WaitForAsync(() => trimmer.Trims == 4);

        await trimmer.Service.StopAsync(CancellationToken.None);
        await trimmer.AdvanceAsync(NativeMemoryTrim.Interval);
        Assert.Equal(4, trimmer.Trims);
    }

    [Fact]
    public async Task Without_glibc_it_stops_asking_after_the_first_try()
    {
        using var trimmer = await Trimmer.StartAsync(glibc: false);

        await trimmer.AdvanceAsync(NativeMemoryTrim.Interval);
        await WaitForAsync(() => trimmer.Trims == 1);
        for (var i = 0; i < 3; i++) await trimmer.AdvanceAsync(NativeMemoryTrim.Interval);
        Assert.Equal(1, trimmer.Trims);
        await trimmer.Service.StopAsync(CancellationToken.None);
    }

    /// <summary>The service on a fake clock, counting its trims; each trim answers whether glibc is there.</summary>
    private sealed class Trimmer : IDisposable
    {
        private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
        private int _trims;

        private Trimmer(bool glibc) => Service = new NativeMemoryTrim(_time, () => { Interlocked.Increment(ref _trims); return glibc; });

        public NativeMemoryTrim Service { get; }

        public int Trims => Volatile.Read(ref _trims);

        public static async Task<Trimmer> StartAsync(bool glibc)
        {
            var trimmer = new Trimmer(glibc);
            await trimmer.Service.StartAsync(CancellationToken.None);
            return trimmer;
        }

        public async Task AdvanceAsync(TimeSpan by)
        {
            _time.Advance(by);
            await Task.Delay(20);
        }

        public void Dispose() => Service.Dispose();
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }
}

public class GlibcTrimTests
{
    private const int Blocks = 256;
    private const int BlockBytes = 96 * 1024;

    [GlibcFact]
    public void Trimming_gives_back_native_memory_that_was_freed_between_blocks_still_in_use()
    {
        // Blocks below glibc's mmap threshold, every other one freed: the holes between blocks still in use are
        // what glibc keeps resident, as with zlib's compressors in the service. Only the freed blocks' pages are
        // counted (mincore), so whatever else the test process does meanwhile does not matter.
        var ones = Enumerable.Repeat((byte)1, BlockBytes).ToArray();
        var blocks = new nint[Blocks];
        try
        {
            for (var i = 0; i < Blocks; i++)
            {
                blocks[i] = Marshal.AllocHGlobal(BlockBytes);
                Marshal.Copy(ones, 0, blocks[i], BlockBytes);
            }
            var freed = blocks.Where((_, i) => i % 2 == 1).ToArray();
            foreach (var block in freed) Marshal.FreeHGlobal(block);
            var before = ResidentPages(freed);

            Assert.True(Glibc.Trim());

            var after = ResidentPages(freed);
            var pages = freed.Length * (BlockBytes / Environment.SystemPageSize - 2);
            Assert.True(before > pages * 9 / 10, $"{before} of {pages} freed pages resident before trimming");
            Assert.True(after < pages / 10, $"{after} of {pages} freed pages still resident after trimming");
        }
        finally
        {
            for (var i = 0; i < Blocks; i += 2) Marshal.FreeHGlobal(blocks[i]);
        }
    }

    /// <summary>
    /// Resident pages wholly inside the freed blocks (the first and last page also hold glibc's bookkeeping). Each
    /// page is asked about alone: the trim may unmap some (the top of a thread's arena), which are given back too.
    /// </summary>
    private static int ResidentPages(nint[] blocks)
    {
        const int NotMapped = 12; // ENOMEM
        var page = Environment.SystemPageSize;
        var resident = 0;
        var vector = new byte[1];
        foreach (var block in blocks)
        {
            var first = (block + page) / page * page;
            for (var i = 0; i < BlockBytes / page - 2; i++)
            {
                if (MinCore(first + i * page, (nuint)page, vector) == 0) resident += vector[0] & 1;
                else Assert.Equal(NotMapped, Marshal.GetLastPInvokeError());
            }
        }
        return resident;
    }

    [DllImport("libc.so.6", EntryPoint = "mincore", SetLastError = true)]
    private static extern int MinCore(nint address, nuint length, byte[] vector);
}

public sealed class GlibcFactAttribute : FactAttribute
{
    public GlibcFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out _)) Skip = "needs Linux with glibc (malloc_trim)";
    }
}
