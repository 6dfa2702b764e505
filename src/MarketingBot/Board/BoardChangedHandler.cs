using MarketingBot.Processing;

namespace MarketingBot.Board;

/// <summary>
/// A project of the installation changed (<c>projects_v2</c>: edited, closed, reopened, deleted): the Work Schedule
/// board's cached details are dropped, so a renamed or reopened board, or one whose fields changed, is looked up
/// afresh at the next request instead of after <see cref="WorkScheduleBoard.RefreshAfter"/>.
/// </summary>
public sealed class BoardChangedHandler(WorkScheduleBoard board) : IDeliveryHandler
{
    public Task<Decision> HandleAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        if (delivery.InstallationId is not { } installation) return Task.FromResult(Decision.Nothing("no installation named"));
        board.Forget(installation);
        return Task.FromResult(Decision.Nothing($"project {delivery.Action}: the Work Schedule board's details are read again at the next change"));
    }
}
