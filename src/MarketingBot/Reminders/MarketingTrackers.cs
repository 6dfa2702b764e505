using MarketingBot.Installations;

namespace MarketingBot.Reminders;

/// <summary>
/// The marketing trackers of every installation: each installed repository's workflow names its
/// tracker (or is its own), and each tracker is worked on once per run, with the workflow of the
/// first repository that names it.
/// </summary>
public sealed class MarketingTrackers(InstalledRepositories repositories)
{
    public async Task<IReadOnlyList<Tracker>> FindAsync()
    {
        var trackers = new Dictionary<string, Tracker>(StringComparer.OrdinalIgnoreCase);
        foreach (var repository in await repositories.ListAsync())
        {
            var name = string.IsNullOrWhiteSpace(repository.Workflow.Tracker) ? repository.Name : repository.Workflow.Tracker;
            trackers.TryAdd($"{repository.Owner}/{name}", new Tracker(repository.InstallationId, repository.Owner, name, repository.Workflow));
        }
        return [.. trackers.Values];
    }
}
