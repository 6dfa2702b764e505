using System.Collections.Concurrent;

namespace MarketingBot.GitHub;

/// <summary>
/// Every write to GitHub, REST and GraphQL alike, goes through one lane per installation:
/// a small burst is let through at once, then writes go at least <c>GitHub__WriteSpacing</c> (a second) apart, and content-creating requests stay
/// under GitHub's secondary limits of 80 a minute and 500 an hour (<c>GitHub__CreationsPerMinute</c>, <c>GitHub__CreationsPerHour</c>). A write over a limit waits its turn; none is dropped.
/// Reads are not paced: GitHub's limits on them are the primary rate limit, which <see cref="GitHubRateLimit"/> heeds.
/// </summary>
internal sealed class WritePacer(WriteLanes lanes, GitHubClients clients) : DelegatingHandler
{
    public const int Burst = 4;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (IsWrite(request))
        {
            // By installation, not by token: tokens change every hour, the installation's limits do not.
            var lane = clients.InstallationOf(request.Headers.Authorization?.Parameter) is { } installation ? installation.ToString() : "app";
            await lanes.For(lane).WaitTurnAsync(creates: IsCreation(request), cancellationToken).ConfigureAwait(false);
        }
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A REST POST creates (a comment, an issue, labels, a reaction); a GraphQL mutation changes a card.</summary>
    private static bool IsCreation(HttpRequestMessage request) =>
        request.Method == HttpMethod.Post && request.RequestUri?.AbsolutePath.EndsWith("/graphql", StringComparison.Ordinal) != true;

    /// <summary>A GraphQL query is a POST too, marked as safe to repeat; every other POST, PATCH, PUT and DELETE writes.</summary>
    private static bool IsWrite(HttpRequestMessage request) =>
        request.Method != HttpMethod.Get && request.Method != HttpMethod.Head
        && !(request.Method == HttpMethod.Post && request.Options.TryGetValue(GitHubGraphQL.RetrySafe, out var safe) && safe);
}

/// <summary>The pacer's lanes, one per installation, shared by every handler chain the HTTP client factory builds.</summary>
internal sealed class WriteLanes(TimeProvider time, Microsoft.Extensions.Options.IOptions<Configuration.GitHubSettings> settings)
{
    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    public Lane For(string installation) => _lanes.GetOrAdd(installation, _ => new Lane(time, settings.Value));

    internal sealed class Lane(TimeProvider time, Configuration.GitHubSettings settings)
    {
        private const int Burst = WritePacer.Burst;
        private readonly TimeSpan _spacing = settings.WriteSpacing;
        private readonly int _perHour = settings.CreationsPerHour;
        private readonly int _perMinute = settings.CreationsPerMinute;

        private readonly SemaphoreSlim _turn = new(1, 1);
        private readonly Queue<DateTimeOffset> _creations = new();
        private double _tokens = Burst;
        private DateTimeOffset _refilled = time.GetUtcNow();

        public async Task WaitTurnAsync(bool creates, CancellationToken cancellationToken)
        {
            // One writer at a time per lane, in the order they came: a burst queues up behind the limit.
            await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                while (Wait(creates) is { } wait && wait > TimeSpan.Zero) await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
                _tokens -= 1;
                if (creates) _creations.Enqueue(time.GetUtcNow());
            }
            finally
            {
                _turn.Release();
            }
        }

        /// <summary>How long until this write may go; zero when it may go now.</summary>
        private TimeSpan Wait(bool creates)
        {
            var now = time.GetUtcNow();
            _tokens = _spacing <= TimeSpan.Zero ? Burst : Math.Min(Burst, _tokens + (now - _refilled) / _spacing);
            _refilled = now;
            var wait = _tokens >= 1 ? TimeSpan.Zero : (1 - _tokens) * _spacing;
            if (!creates) return wait;
            while (_creations.Count > 0 && now - _creations.Peek() >= TimeSpan.FromHours(1)) _creations.Dequeue();
            if (_creations.Count >= _perHour) wait = Max(wait, _creations.Peek() + TimeSpan.FromHours(1) - now);
            var lastMinute = _creations.Where(at => now - at < TimeSpan.FromMinutes(1)).ToList();
            if (lastMinute.Count >= _perMinute) wait = Max(wait, lastMinute[0] + TimeSpan.FromMinutes(1) - now);
            return wait;
        }

        private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
    }
}
