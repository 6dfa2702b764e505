using MarketingBot.GitHub;
using MarketingBot.Requests;

namespace MarketingBot.Installations;

/// <summary>A repository the App is installed on, with the workflow in force there.</summary>
public sealed record InstalledRepository(long InstallationId, string Owner, string Name, Workflow Workflow);

/// <summary>Every repository of every installation, for the jobs that look at all of them (planner reconcile, trackers).</summary>
public sealed class InstalledRepositories(IServiceProvider services, WorkflowSource workflows)
{
    public async Task<IReadOnlyList<InstalledRepository>> ListAsync()
    {
        var clients = services.GetRequiredService<GitHubClients>();
        var repositories = new List<InstalledRepository>();
        foreach (var installation in await clients.ForApp().GitHubApps.GetAllInstallationsForCurrent())
        {
            var github = clients.ForInstallation(installation.Id);
            foreach (var repository in (await github.GitHubApps.Installation.GetAllRepositoriesForCurrent()).Repositories)
            {
                var owner = repository.Owner.Login;
                repositories.Add(new InstalledRepository(installation.Id, owner, repository.Name,
                    await workflows.ForRepositoryAsync(installation.Id, owner, repository.Name)));
            }
        }
        return repositories;
    }
}
