using MarketingBot.Board;
using MarketingBot.Planner;
using MarketingBot.Storage;
using Microsoft.Extensions.Options;

namespace MarketingBot.Effects;

/// <summary>
/// The live executor: Content Planner rows go to the mirror (which coalesces them), board moves
/// to the Work Schedule board (GraphQL), a campaign's plan to the campaign planner (GraphQL), everything else to GitHub's REST API.
/// </summary>
public sealed class LiveEffects(
    GitHubEffects github, WorkScheduleBoard board, Campaigns.CampaignPlanner campaigns, PlannerMirror planner, IOptions<PlannerSettings> plannerSettings, RecordStores records)
    : IEffectExecutor
{
    public async Task ApplyAsync(long? installationId, IReadOnlyList<Effect> effects, CancellationToken cancellationToken)
    {
        foreach (var record in effects.OfType<RecordEffect>()) await record.ApplyAsync(records, installationId);
        await github.ApplyAsync(installationId, effects.Where(e => e is not (MirrorToPlanner or BoardEffect or RecordEffect or Campaigns.OpenCampaignPlan)).ToList(), cancellationToken);
        foreach (var move in effects.OfType<BoardEffect>())
            await board.ApplyAsync(installationId ?? throw new InvalidOperationException("The delivery names no installation."), move, cancellationToken);
        foreach (var plan in effects.OfType<Campaigns.OpenCampaignPlan>())
            await campaigns.ApplyAsync(installationId ?? throw new InvalidOperationException("The delivery names no installation."), plan, cancellationToken);
        // Without a spreadsheet configured there is nowhere to mirror to; readiness says so.
        if (!plannerSettings.Value.IsConfigured) return;
        // Kept in the database before the delivery counts as done: a crash before the sheet has it loses nothing.
        foreach (var mirror in effects.OfType<MirrorToPlanner>())
        {
            if (mirror.Rewrite) await planner.RewriteAsync(mirror.Row, mirror.Columns);
            else await planner.EnqueueAsync(mirror.Row, mirror.Columns, mirror.FirstWrite);
        }
    }
}
