using System.Collections.Concurrent;

namespace MarketingBot.Dashboard;

/// <summary>
/// Wrong secrets (the dashboard token, the set-up code) from one client: five a minute, then refused for the rest of
/// the minute, so guessing takes years instead of seconds. Kept in memory, per client address.
/// </summary>
public sealed class AttemptThrottle(TimeProvider time)
{
    public const int FailuresPerMinute = 5;

    private readonly ConcurrentDictionary<string, (DateTimeOffset Since, int Failures)> _clients = new();

    /// <summary>Whether <paramref name="client"/> may try now.</summary>
    public bool MayTry(string client) =>
        !_clients.TryGetValue(client, out var seen) || time.GetUtcNow() - seen.Since >= TimeSpan.FromMinutes(1) || seen.Failures < FailuresPerMinute;

    public void Failed(string client)
    {
        var now = time.GetUtcNow();
        _clients.AddOrUpdate(client, _ => (now, 1), (_, seen) => now - seen.Since >= TimeSpan.FromMinutes(1) ? (now, 1) : (seen.Since, seen.Failures + 1));
        // Old entries go once in a while, so a scan of many addresses cannot grow the table without end.
        if (_clients.Count > 10_000)
            foreach (var old in _clients.Where(c => now - c.Value.Since >= TimeSpan.FromMinutes(1)).Select(c => c.Key).ToList()) _clients.TryRemove(old, out _);
    }

    public static string ClientOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
