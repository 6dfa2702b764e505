using System.Text;
using MarketingBot.Configuration;
using MarketingBot.Effects;
using MarketingBot.GitHub;
using MarketingBot.Processing;
using Microsoft.Extensions.Options;
using Octokit;
using Octokit.Webhooks.Events;

namespace MarketingBot.Requests;

/// <summary>
/// A pull request that changes <c>.github/marketingbot.yml</c> gets one comment with the file's
/// validation, kept up to date as commits are pushed, so a broken workflow is caught before it merges.
/// </summary>
public sealed class WorkflowPullRequestHandler(IServiceProvider services, IOptions<GitHubSettings> gitHub) : IDeliveryHandler
{
    public const string Marker = "<!-- marketingbot:workflow-check -->";

    public async Task<Decision> HandleAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        if (delivery.Payload is not PullRequestEvent { PullRequest: { } pull, Repository: { } repository }) return Decision.Nothing("no pull request in the payload");
        if (delivery.InstallationId is not { } installation || !gitHub.Value.HasAppCredentials)
            return Decision.Nothing("the pull request's files cannot be read without App credentials");
        var owner = RequestCheckHandler.OwnerOf(repository);
        var github = services.GetRequiredService<GitHubClients>().ForInstallation(installation);
        var file = (await github.PullRequest.Files(owner, repository.Name, (int)pull.Number))
            .FirstOrDefault(f => f.FileName == WorkflowSource.RepositoryPath);
        if (file is null) return Decision.Nothing("the pull request does not change the workflow file");

        var where = new IssueRef(owner, repository.Name, (int)pull.Number);
        if (file.Status == "removed")
            return new Decision("the pull request removes the workflow file",
                [new UpsertBotComment(where, Marker, $"{Marker}\n### ℹ️ `{WorkflowSource.RepositoryPath}` is removed\n\nOnce this is merged, MarketingBot uses its built-in workflow (or `Bot__WorkflowPath`).\n")]);
        var text = (await github.Repository.Content.GetAllContentsByRef(owner, repository.Name, WorkflowSource.RepositoryPath, pull.Head.Sha))[0].Content ?? "";
        var workflow = WorkflowFile.Parse(text, WorkflowSource.RepositoryPath, out var problems);
        return new Decision(workflow is null ? $"workflow file has {problems.Count} problems" : "workflow file is valid",
            [new UpsertBotComment(where, Marker, Render(workflow, problems))]);
    }

    /// <summary>Problems and type names quote the file: each sits in a code span so it cannot mention anyone or pass for markup.</summary>
    public static string Render(Workflow? workflow, IReadOnlyList<string> problems)
    {
        var text = new StringBuilder(Marker).Append('\n');
        if (workflow is not null)
        {
            text.Append($"### ✅ `{WorkflowSource.RepositoryPath}` is valid\n\n")
                .Append($"{workflow.RequestTypes.Count} request types ({string.Join(", ", workflow.RequestTypes.Select(t => Answers.Quote(t.Name)))}). ")
                .Append("MarketingBot uses it once this pull request is merged into the default branch.\n");
            return text.ToString();
        }
        text.Append($"### ❌ `{WorkflowSource.RepositoryPath}` has {(problems.Count == 1 ? "a problem" : $"{problems.Count} problems")}\n\n");
        foreach (var problem in problems) text.Append($"- {Answers.Quote(problem, 300)}\n");
        text.Append("\nIf this is merged as it is, MarketingBot keeps using the last valid workflow and `/readyz` reports the file.\n");
        return text.ToString();
    }
}
