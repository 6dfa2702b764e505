using MarketingBot.GitHub;
using MarketingBot.Requests;

namespace MarketingBot.Reminders;

/// <summary>
/// The marketing trackers of every installation: each installed repository's workflow names its
/// tracker (or is its own), and each tracker is worked on once per run, with the workflow of the
/// first repository that names it.
/// </summary>
public sealed class MarketingTrackers(IServiceProvider services, WorkflowSource workflows)
{
    public async Task<IReadOnlyList<Tracker>> FindAsync()
    {
        var clients = services.GetRequiredService<GitHubClients>();
        var trackers = new Dictionary<string, Tracker>(StringComparer.OrdinalIgnoreCase);
        foreach (var installation in await clients.ForApp().GitHubApps.GetAllInstallationsForCurrent())
        {
            var github = clients.ForInstallation(installation.Id);
            foreach (var repository in (await github.GitHubApps.Installation.GetAllRepositoriesForCurrent()).Repositories)
            {
                var owner = repository.Owner.Login;
                var workflow = await workflows.ForRepositoryAsync(installation.Id, owner, repository.Name);
                var name = string.IsNullOrWhiteSpace(workflow.Tracker) ? repository.Name : workflow.Tracker;
                trackers.TryAdd($"{owner}/{name}", new Tracker(installation.Id, owner, name, workflow));
            }
        }
        return [.. trackers.Values];
    }
}
