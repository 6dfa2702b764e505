using System.Text.Json.Nodes;

namespace MarketingBot.Tests.Support;

/// <summary>
/// GitHub's webhook payload examples (<c>@octokit/webhooks-examples</c>, see <see cref="GitHubFixtures"/>) for the events
/// the bot is subscribed to or sent, laid out as recorded deliveries are: one folder per event, one file per example,
/// named after its action (<c>issues/assigned.payload.json</c>, then <c>assigned.2.payload.json</c>, ...).
/// </summary>
public static class SharedExamples
{
    private static readonly string[] Events = ["installation", "installation_repositories", "issue_comment", "issues", "ping", "projects_v2_item"];

    public static string? Folder { get; } = LayOut();

    public const string SkipReason = GitHubFixtures.SkipReason;

    private static string? LayOut()
    {
        if (GitHubFixtures.File("@octokit/webhooks-examples/api.github.com/index.json") is not { } index) return null;
        var folder = Path.Combine(AppContext.BaseDirectory, "webhook-examples");
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        foreach (var webhook in JsonNode.Parse(File.ReadAllText(index))!.AsArray().Select(w => w!.AsObject()))
        {
            var name = webhook["name"]!.GetValue<string>();
            if (!Events.Contains(name)) continue;
            var eventFolder = Directory.CreateDirectory(Path.Combine(folder, name)).FullName;
            var seen = new Dictionary<string, int>();
            foreach (var example in webhook["examples"]!.AsArray())
            {
                var action = example!["action"]?.GetValue<string>() ?? name;
                var n = seen[action] = seen.GetValueOrDefault(action) + 1;
                File.WriteAllText(Path.Combine(eventFolder, n == 1 ? $"{action}.payload.json" : $"{action}.{n}.payload.json"), example.ToJsonString());
            }
        }
        return folder;
    }

    /// <summary>Every example as (event, file name), for one theory over all of them.</summary>
    public static TheoryData<string, string> All()
    {
        var data = new TheoryData<string, string>();
        if (Folder is null) return data;
        foreach (var file in Directory.EnumerateFiles(Folder, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(Path.GetDirectoryName(file))!, Path.GetFileName(file));
        return data;
    }
}

/// <summary>A fact that needs GitHub's webhook examples; skipped with the reason when they are not installed.</summary>
public sealed class SharedExamplesFactAttribute : FactAttribute
{
    public SharedExamplesFactAttribute()
    {
        if (SharedExamples.Folder is null) Skip = SharedExamples.SkipReason;
    }
}

/// <summary>A theory over GitHub's webhook examples; skipped with the reason when they are not installed.</summary>
public sealed class SharedExamplesTheoryAttribute : TheoryAttribute
{
    public SharedExamplesTheoryAttribute()
    {
        if (SharedExamples.Folder is null) Skip = SharedExamples.SkipReason;
    }
}
