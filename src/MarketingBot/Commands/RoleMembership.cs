using System.Collections.Concurrent;
using MarketingBot.Configuration;
using MarketingBot.GitHub;
using MarketingBot.Requests;
using Octokit;
using Workflow = MarketingBot.Requests.Workflow;

namespace MarketingBot.Commands;

/// <summary>
/// Which of the workflow's roles a person holds: by login, or by membership of an organisation
/// team (<c>GET /orgs/{org}/teams/{slug}/memberships/{login}</c>, which counts members of child
/// teams too, so nested teams need no walk of our own). Answers are kept a few minutes: a burst
/// of commands costs one look-up per team and person.
/// </summary>
public sealed partial class RoleMembership(IServiceProvider services, DryRunMode dryRun, TimeProvider time, ILogger<RoleMembership> logger)
{
    private static readonly TimeSpan Keep = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<(string Org, string Team, string Login), (bool Member, DateTimeOffset Until)> _teams = new();

    public async Task<IReadOnlyList<string>> RolesOfAsync(long? installationId, string organization, string login, Workflow workflow)
    {
        var held = new List<string>();
        foreach (var (id, role) in workflow.Roles)
        {
            if (role.Logins.Contains(login, StringComparer.OrdinalIgnoreCase)) held.Add(id);
            else
            {
                foreach (var team in role.Teams)
                {
                    if (!await IsTeamMemberAsync(installationId, organization, team, login)) continue;
                    held.Add(id);
                    break;
                }
            }
        }
        return held;
    }

    /// <param name="team">A slug, or <c>org/slug</c> for a team of another organisation.</param>
    private async Task<bool> IsTeamMemberAsync(long? installationId, string organization, string team, string login)
    {
        var (org, slug) = team.Split('/') is [var o, var s] ? (o, s) : (organization, team);
        var key = (org.ToLowerInvariant(), slug.ToLowerInvariant(), login.ToLowerInvariant());
        if (_teams.TryGetValue(key, out var cached) && time.GetUtcNow() < cached.Until) return cached.Member;
        if (dryRun.IsOn || installationId is not { } installation)
        {
            LogCannotLookUp(logger, slug, login);
            return false;
        }
        bool member;
        try
        {
            var github = services.GetRequiredService<GitHubClients>().ForInstallation(installation);
            var membership = await github.Connection.Get<TeamMembershipDetails>(
                new Uri($"orgs/{Uri.EscapeDataString(org)}/teams/{Uri.EscapeDataString(slug)}/memberships/{Uri.EscapeDataString(login)}", UriKind.Relative), null);
            // A pending invitation is not membership yet.
            member = membership.Body.State.StringValue == "active";
        }
        catch (NotFoundException)
        {
            member = false;
        }
        _teams[key] = (member, time.GetUtcNow() + Keep);
        return member;
    }

    [LoggerMessage(EventId = 800, Level = LogLevel.Warning,
        Message = "Cannot look up team {Team} for {Login} without App credentials; treating them as not a member")]
    private static partial void LogCannotLookUp(ILogger logger, string team, string login);
}
