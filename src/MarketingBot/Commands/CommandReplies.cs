using System.Collections.Concurrent;
using MarketingBot.Processing;

namespace MarketingBot.Commands;

/// <summary>
/// The flood rule: a person's commands get a few replies at once (<see cref="Burst"/>, enough for a PMM working through a
/// request), then at most one a minute. A reply past that is held back and only the reaction says the command was seen,
/// so one person's burst of <c>/help</c> cannot spend the installation's content-creation budget. Kept per process: a
/// second replica may reply once more in the same minute.
/// </summary>
public sealed class CommandReplies(TimeProvider time)
{
    public const int Burst = 3;

    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<(long? Installation, string Person), Allowance> _allowances = new();

    /// <summary>The decision as it may go out: its replies kept while the person has replies left, else dropped.</summary>
    public Decision Pace(Decision decision, long? installationId, string person)
    {
        if (!decision.Effects.Any(CommandRules.IsReply)) return decision;
        var allowance = _allowances.GetOrAdd((installationId, person.ToLowerInvariant()), _ => new Allowance(time.GetUtcNow()));
        if (allowance.TryTake(time.GetUtcNow())) return decision;
        return new Decision($"{decision.Outcome}; reply held back ({person} sent commands faster than one a minute; the reaction says it was seen)",
            [.. decision.Effects.Where(e => !CommandRules.IsReply(e))]);
    }

    /// <summary>Replies a person has left: <see cref="Burst"/> at most, one more each <see cref="Interval"/>.</summary>
    private sealed class Allowance(DateTimeOffset now)
    {
        private double _left = Burst;
        private DateTimeOffset _at = now;

        public bool TryTake(DateTimeOffset now)
        {
            lock (this)
            {
                _left = Math.Min(Burst, _left + (now - _at) / Interval);
                _at = now;
                if (_left < 1) return false;
                _left--;
                return true;
            }
        }
    }
}
