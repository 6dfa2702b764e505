using MarketingBot.Planner;
using Microsoft.Extensions.Options;

namespace MarketingBot.Effects;

/// <summary>The live executor: Content Planner rows go to the mirror (which coalesces them), everything else to GitHub.</summary>
public sealed class LiveEffects(GitHubEffects github, PlannerMirror planner, IOptions<PlannerSettings> plannerSettings) : IEffectExecutor
{
    public async Task ApplyAsync(long? installationId, IReadOnlyList<Effect> effects, CancellationToken cancellationToken)
    {
        await github.ApplyAsync(installationId, effects.Where(e => e is not MirrorToPlanner).ToList(), cancellationToken);
        // Without a spreadsheet configured there is nowhere to mirror to; readiness says so.
        if (!plannerSettings.Value.IsConfigured) return;
        foreach (var mirror in effects.OfType<MirrorToPlanner>()) planner.Enqueue(mirror.Row, mirror.Columns);
    }
}
