using MarketingBot.Processing;
using Octokit.Webhooks.Events;

namespace MarketingBot.Installations;

/// <summary>GitHub's <c>ping</c> after the App's webhook is set up: proof that deliveries arrive and verify.</summary>
public sealed class PingHandler : IDeliveryHandler
{
    public Task<Decision> HandleAsync(WebhookDelivery delivery, CancellationToken cancellationToken) =>
        Task.FromResult(Decision.Nothing(delivery.Payload is PingEvent { HookId: var hook }
            ? $"webhook {hook} is connected"
            : "webhook is connected"));
}

/// <summary>
/// Installations and their repositories. The bot keeps no installation list of its own (every
/// delivery names its installation), so these are recorded for the operator and change nothing.
/// </summary>
public sealed class InstallationHandler : IDeliveryHandler
{
    public Task<Decision> HandleAsync(WebhookDelivery delivery, CancellationToken cancellationToken) =>
        Task.FromResult(Decision.Nothing(delivery.Payload switch
        {
            InstallationEvent { Installation: var i, Repositories: var repos } =>
                $"installation {i.Id} on {i.Account.Login} {delivery.Action} ({repos?.Count() ?? 0} repositories listed)",
            InstallationRepositoriesEvent { Installation: var i, RepositoriesAdded: var added, RepositoriesRemoved: var removed } =>
                $"installation {i.Id}: {added.Count()} repositories added, {removed.Count()} removed",
            _ => $"installation event {delivery.Name}",
        }));
}
