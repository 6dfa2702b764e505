using System.Collections.Concurrent;
using MarketingBot.Configuration;
using MarketingBot.GitHub;
using Microsoft.Extensions.Options;
using Octokit;

namespace MarketingBot.Requests;

/// <summary>
/// The workflow in force for a repository: its <c>.github/marketingbot.yml</c> when it has one,
/// else <c>Bot__WorkflowPath</c>, else the built-in default. Repository files are cached and
/// re-read after a push changes them; a broken file is reported and the last good workflow kept.
/// </summary>
public sealed partial class WorkflowSource(
    IOptions<GitHubSettings> gitHub,
    IOptions<BotSettings> bot,
    IServiceProvider services,
    TimeProvider time,
    ILogger<WorkflowSource> logger)
{
    public const string RepositoryPath = ".github/marketingbot.yml";

    private static readonly TimeSpan Keep = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, Cached> _byRepository = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, string> _problems = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lazy<Workflow> _fallback = new(() => LoadFallback(bot.Value.WorkflowPath, logger));

    /// <summary>Configuration problems by where they are, for the dashboard and readiness.</summary>
    public IReadOnlyDictionary<string, string> Problems => _problems;

    public async Task<Workflow> ForRepositoryAsync(long? installationId, string owner, string repository)
    {
        if (installationId is not { } installation || !gitHub.Value.HasAppCredentials) return _fallback.Value;
        var key = $"{owner}/{repository}";
        var now = time.GetUtcNow();
        if (_byRepository.TryGetValue(key, out var cached) && now < cached.Until) return cached.Workflow;

        var workflow = await ReadAsync(installation, owner, repository, cached?.Workflow);
        _byRepository[key] = new Cached(workflow, now + Keep);
        return workflow;
    }

    /// <summary>
    /// Where nobody can <c>/approve</c>: the workflow in use names no one (no login, no team) in its approver role. The
    /// built-in workflow names no one in any role, so until a team writes its own file this is every repository.
    /// </summary>
    public IReadOnlyList<string> WhereNobodyCanApprove()
    {
        IEnumerable<(string Where, Workflow Workflow)> inUse = _byRepository.IsEmpty
            ? [(bot.Value.WorkflowPath is { Length: > 0 } path ? path : "the built-in workflow", _fallback.Value)]
            : _byRepository.Select(r => (ReferenceEquals(r.Value.Workflow, _fallback.Value) ? $"{r.Key} (no {RepositoryPath})" : $"{r.Key}:{RepositoryPath}", r.Value.Workflow));
        return inUse.Where(w => !w.Workflow.Roles.TryGetValue(w.Workflow.ApproverRole, out var role) || role.Logins.Count + role.Teams.Count == 0)
            .Select(w => $"{w.Where}: nobody is in the {w.Workflow.ApproverRole} role, so nobody can /approve a request")
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The repository's file changed: read it again at the next request, keeping what we have as the last good one.</summary>
    public void Forget(string owner, string repository)
    {
        var key = $"{owner}/{repository}";
        if (_byRepository.TryGetValue(key, out var cached)) _byRepository[key] = cached with { Until = DateTimeOffset.MinValue };
    }

    private async Task<Workflow> ReadAsync(long installation, string owner, string repository, Workflow? lastGood)
    {
        var where = $"{owner}/{repository}:{RepositoryPath}";
        string content;
        try
        {
            // The JSON form (base64 content) rather than the raw media type, whose answer Octokit reads by content type.
            var files = await services.GetRequiredService<GitHubClients>().ForInstallation(installation)
                .Repository.Content.GetAllContents(owner, repository, RepositoryPath);
            content = files.FirstOrDefault()?.Content ?? "";
        }
        catch (NotFoundException)
        {
            _problems.TryRemove(where, out _);
            return _fallback.Value;
        }
        var workflow = WorkflowFile.Parse(content, where, out var problems);
        if (workflow is not null)
        {
            _problems.TryRemove(where, out _);
            return workflow;
        }
        var report = string.Join("; ", problems);
        _problems[where] = report;
        LogBroken(logger, where, report);
        return lastGood ?? _fallback.Value;
    }

    private static Workflow LoadFallback(string? path, ILogger logger)
    {
        if (string.IsNullOrWhiteSpace(path)) return WorkflowFile.Default;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException ex)
        {
            LogBroken(logger, path, ex.Message);
            return WorkflowFile.Default;
        }
        var workflow = WorkflowFile.Parse(text, path, out var problems);
        if (workflow is null) LogBroken(logger, path, string.Join("; ", problems));
        return workflow ?? WorkflowFile.Default;
    }

    private sealed record Cached(Workflow Workflow, DateTimeOffset Until);

    [LoggerMessage(EventId = 500, Level = LogLevel.Error, Message = "The workflow file {Where} is broken and is not used: {Problems}")]
    private static partial void LogBroken(ILogger logger, string where, string problems);
}
