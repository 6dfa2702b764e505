using MarketingBot.Commands;
using MarketingBot.Reminders;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace MarketingBot.Tests.Reminders;

/// <summary>The two-hour rule through the whole app: WireMock as GitHub (issues, the board), the bot's records on disk.</summary>
public sealed class TwoHourEndToEndTests : LiveBotTest
{
    private const string Plan = """
        Launch plan for 2.5:
        - [ ] Write the launch post (3h)
        - [ ] Record the demo ~4h #45
        - [x] Book the venue (5h)
        - [ ] Tweet it (15m)
        """;

    private FakeTracker _tracker = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Live.GitHub.IsInstalled();
        _tracker = new FakeTracker(Live.GitHub.Server);
        _tracker.Add(20, "Launch 2.5", Plan, assignees: ["sam"]);
        _tracker.Add(21, "Webinar", "- [ ] Rehearse (3h) https://github.com/acme/customer/issues/30", author: "kim");
        Live.GitHub.Server.Given(Request.Create().WithPath("/repos/acme/customer").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody("""{"id":7,"node_id":"R_7","name":"customer","full_name":"acme/customer","owner":{"login":"acme","id":9}}"""));
    }

    private Task<string> Scan() => Live.Bot.Services.GetRequiredService<TwoHourJob>().RunAsync(DateTimeOffset.UtcNow, CancellationToken.None);

    private string[] CommentsOn(int number) => _tracker.Comments.TryGetValue(number, out var comments) ? [.. comments] : [];

    [Fact]
    public async Task An_untracked_task_is_reminded_once_per_cool_down_and_a_linked_one_never()
    {
        var outcome = await Scan();

        var reminder = Assert.Single(CommentsOn(20));
        Assert.Contains("@sam, this task is estimated over 2 hours", reminder);
        Assert.Contains("`Write the launch post` (3 h)", reminder);
        Assert.DoesNotContain("Record the demo", reminder);
        Assert.Empty(CommentsOn(21));
        Assert.Contains("acme/customer: 1 untracked task over 2 h, 1 reminded, 0 resolved", outcome);

        await Scan();
        Assert.Single(CommentsOn(20));
    }

    [Fact]
    public async Task A_task_linked_after_its_reminder_resolves_it()
    {
        await Scan();
        _tracker[20]["body"] = Plan.Replace("Write the launch post (3h)", "Write the launch post (3h) #46");

        Assert.Contains("0 reminded, 1 resolved", await Scan());
        Assert.Empty(await Live.Bot.Records<NagRecords>().ReadOpenNagsAsync("acme/customer"));
        Assert.Equal((1, 1), await Live.Bot.Records<NagRecords>().CountNagsAsync(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1)));
    }

    [Fact]
    public async Task Snooze_on_the_issue_silences_its_reminders()
    {
        var snooze = Payloads.IssueComment("created", 801, "/snooze 1w", "sam", number: 20, nodeId: "I_t20", title: "Launch 2.5", body: Plan, assignees: ["sam"]);
        await Live.Bot.PostAsync("issue_comment", "snooze-1", snooze);
        await Live.Bot.DrainAsync();

        await Scan();
        Assert.Empty(CommentsOn(20));
    }

    [Fact]
    public async Task Convert_turns_each_untracked_task_into_a_linked_issue()
    {
        var body = Plan.Replace("Tweet it (15m)", "Film the teaser est: 1d");
        _tracker[20]["body"] = body;
        var convert = Payloads.IssueComment("created", 802, "/convert", "sam", number: 20, nodeId: "I_t20", title: "Launch 2.5", body: body, assignees: ["sam"]);
        // The marketing team's GitHub team has sam in it.
        Live.GitHub.Server.Given(Request.Create().WithPath("/orgs/acme/teams/marketing/memberships/sam").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("""{"role":"member","state":"active"}"""));
        await Live.Bot.PostAsync("issue_comment", "convert-1", convert);
        await Live.Bot.DrainAsync();
        Assert.All(await Live.Bot.Inbox.ReadAuditAsync("convert-1"), a => Assert.Null(a.Error));

        Assert.Equal(["Write the launch post", "Film the teaser"], _tracker.Created.Select(i => i["title"]!.GetValue<string>()));
        Assert.Contains("Estimate: 8 h", _tracker.Created[1]["body"]!.GetValue<string>());
        Assert.Contains("Split out of https://github.com/acme/customer/issues/20 with `/convert`", _tracker.Created[0]["body"]!.GetValue<string>());
        var edited = _tracker[20]["body"]!.GetValue<string>();
        Assert.Contains("- [ ] #101\n", edited);
        Assert.Contains("- [ ] #102", edited);
        Assert.Contains("- [ ] Record the demo ~4h #45", edited);
        Assert.Empty(CommentsOn(20));
        await Scan();
        Assert.Empty(CommentsOn(20));
    }

    [Fact]
    public async Task Draft_items_over_the_threshold_are_gathered_in_one_digest_and_convert_there_converts_them()
    {
        Live.Projects.Drafts["PVTI_draft1"] = ("Plan the partner event", 6, "kim");
        Live.Projects.Drafts["PVTI_draft2"] = ("Fix a typo", 0.5, null);
        Live.Projects.Drafts["PVTI_draft3"] = ("Not estimated", null, null);

        await Scan();
        var digest = Assert.Single(_tracker.Created);
        Assert.Equal("Untracked work over two hours", digest["title"]!.GetValue<string>());
        Assert.Equal(["PVTI_draft1"], TwoHourRules.DraftsIn(digest["body"]!.GetValue<string>()));
        var number = digest["number"]!.GetValue<int>();
        Assert.Contains("@kim", Assert.Single(CommentsOn(number)));

        await Scan();
        Assert.Single(_tracker.Created);
        Assert.Single(CommentsOn(number));

        var convert = Payloads.IssueComment("created", 803, "/convert", "kim", number: number, nodeId: "I_digest", title: "Untracked work over two hours",
            body: digest["body"]!.GetValue<string>());
        Live.GitHub.Server.Given(Request.Create().WithPath("/orgs/acme/teams/marketing/memberships/kim").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("""{"role":"member","state":"active"}"""));
        await Live.Bot.PostAsync("issue_comment", "convert-2", convert);
        await Live.Bot.DrainAsync();
        Assert.All(await Live.Bot.Inbox.ReadAuditAsync("convert-2"), a => Assert.Null(a.Error));
        Assert.Equal([("PVTI_draft1", "R_7")], Live.Projects.Converted);

        await Scan();
        Assert.Contains("✅ Every draft item", _tracker[number]["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_board_of_ten_thousand_items_is_scanned_in_at_most_110_GraphQL_requests()
    {
        for (var i = 0; i < 10_000; i++) Live.Projects.Drafts[$"PVTI_{i:D5}"] = ($"Draft {i}", i % 50 == 0 ? 3 : 1, null);

        await Scan();

        var graphQL = Live.GitHub.Requests("/graphql", "POST").Count;
        Assert.InRange(graphQL, 100, 110);
        Assert.Equal(100, Live.Projects.DraftPages);
        Assert.Equal(200, TwoHourRules.DraftsIn(Assert.Single(_tracker.Created)["body"]!.GetValue<string>()).Count);
    }
}
