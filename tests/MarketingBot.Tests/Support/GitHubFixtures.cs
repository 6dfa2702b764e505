namespace MarketingBot.Tests.Support;

/// <summary>
/// GitHub's published test material, pinned in <c>tests/github-fixtures/package.json</c> and installed from npm by
/// <c>.ci/run</c> (and the Actions workflow): the webhook examples (<c>@octokit/webhooks-examples</c>) and the GraphQL
/// schema (<c>@octokit/graphql-schema</c>). Nothing outside the repository and its package restores is read.
/// </summary>
public static class GitHubFixtures
{
    public const string SkipReason = "GitHub's fixtures are not installed: npm ci --prefix tests/github-fixtures (.ci/run does)";

    /// <summary>A file of an installed fixture package, e.g. <c>@octokit/graphql-schema/schema.graphql</c>; null when not installed.</summary>
    public static string? File(string pathInPackages)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "github-fixtures", "node_modules", pathInPackages);
            if (System.IO.File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
