using System.Net;
using System.Text.Json;
using MarketingBot.Intake;
using MarketingBot.Processing;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Intake;

/// <summary>One theory over every official webhook example GitHub publishes for the events the App subscribes to.</summary>
public class GitHubExampleTests
{
    public static TheoryData<string, string> Examples => SharedExamples.All();

    [SharedExamplesTheory]
    [MemberData(nameof(Examples))]
    public void Every_example_reads_into_its_envelope_and_typed_event(string eventName, string file)
    {
        var body = File.ReadAllBytes(Path.Combine(SharedExamples.Folder!, eventName, file));
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;

        var envelope = DeliveryEnvelope.Read(body, out var problem);
        Assert.Null(problem);
        Assert.Equal(root.TryGetProperty("action", out var action) ? action.GetString() : null, envelope!.Value.Action);
        Assert.Equal(root.TryGetProperty("installation", out var installation) ? installation.GetProperty("id").GetInt64() : null,
            envelope.Value.InstallationId);
        var issueNode = root.TryGetProperty("issue", out var issue) ? issue.GetProperty("node_id").GetString()
            : root.TryGetProperty("projects_v2_item", out var item) ? item.GetProperty("content_node_id").GetString() : null;
        Assert.Equal(issueNode, envelope.Value.IssueNodeId);

        Assert.NotNull(TypedEvents.Read(eventName, body));
    }

    [SharedExamplesFact]
    public async Task Every_example_posted_signed_to_the_app_is_accepted_and_processed()
    {
        await using var bot = new BotFactory();
        var files = Directory.GetFiles(SharedExamples.Folder!, "*.json", SearchOption.AllDirectories);
        foreach (var file in files)
        {
            var eventName = Path.GetFileName(Path.GetDirectoryName(file))!;
            var response = await bot.PostAsync(eventName, $"{eventName}/{Path.GetFileName(file)}", File.ReadAllBytes(file));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        await bot.DrainAsync();
        var audit = await bot.Inbox.ReadAuditAsync();
        Assert.Equal(files.Length, audit.Count);
        Assert.All(audit, entry => Assert.Null(entry.Error));
    }
}
