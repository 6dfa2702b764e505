using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace MarketingBot.Setup;

/// <summary>
/// Who may create the GitHub App through <c>/setup</c> while none is configured: a person signed in to the dashboard,
/// or one who gives the one-time set-up code the bot prints in its start-up log (as Jenkins does with its first admin
/// password). Without it, any visitor who reached the bot first could make it run as their own App. The set-up is
/// single-use: one callback stores the App, any other is refused.
/// </summary>
public sealed class SetupAccess
{
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    private readonly ConcurrentDictionary<string, bool> _sessions = new();
    private int _storing;

    /// <summary>The code, e.g. <c>K7QF-2M9X-PA4T-W8HD</c>: 80 random bits, new at every start.</summary>
    public string Code { get; } = string.Join('-', Enumerable.Range(0, 4).Select(_ => new string(RandomNumberGenerator.GetItems<char>(Alphabet, 4))));

    /// <summary>A session for the browser that gave the right code (compared in constant time); null for a wrong one.</summary>
    public string? Open(string? given)
    {
        var normalised = (given ?? "").Trim().ToUpperInvariant();
        if (!Dashboard.DashboardEndpoints.SameSecret(normalised, Code)) return null;
        var session = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        _sessions[session] = true;
        return session;
    }

    public bool IsOpen(string? session) => session is not null && _sessions.ContainsKey(session);

    /// <summary>Claims the one store of the App's credentials; false when another callback has it (or had it).</summary>
    public bool TryStartStoring() => Interlocked.CompareExchange(ref _storing, 1, 0) == 0;

    /// <summary>The claimed store did not happen (GitHub refused the code): another try may claim it.</summary>
    public void StoringFailed() => Volatile.Write(ref _storing, 0);
}
