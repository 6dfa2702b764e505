using System.Runtime.InteropServices;

namespace MarketingBot.Hosting;

/// <summary>The few glibc calls the bot makes on Linux; each says whether it could, so a caller elsewhere (macOS, Windows, musl) carries on without.</summary>
internal static partial class Glibc
{
    /// <summary>Trims glibc's heaps; false where there is no glibc, so the caller stops asking.</summary>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            MallocTrim(0);
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Sets the calling thread's niceness (Linux keeps one per thread: <c>setpriority(PRIO_PROCESS, tid, …)</c>); false
    /// where there is no glibc or the call was refused.
    /// </summary>
    public static bool SetThreadNiceness(int niceness)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return SetPriority(0, Gettid(), niceness) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    [LibraryImport("libc.so.6", EntryPoint = "gettid")]
    private static partial int Gettid();

    [LibraryImport("libc.so.6", EntryPoint = "setpriority")]
    private static partial int SetPriority(int which, int who, int priority);
}
