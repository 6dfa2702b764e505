using System.Diagnostics;
using MarketingBot.Replay;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Replay;

public class ReplayTests
{
    [Fact]
    public async Task Recorded_deliveries_in_the_wrapper_format_are_replayed_one_line_each_and_bad_files_are_named()
    {
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File("a-ping.json"),
            """{"event":"ping","delivery":"rec-1","payload":{"zen":"Design for failure.","hook_id":77}}""");
        await File.WriteAllTextAsync(folder.File("b-star.json"),
            """{"event":"star","delivery":"rec-2","payload":{"action":"created"}}""");
        await File.WriteAllTextAsync(folder.File("c-broken.json"), """{"event":"ping",""");

        var output = new StringWriter();
        var errors = new StringWriter();
        var exit = await ReplayCommand.RunAsync([folder.Path], output, errors);

        Assert.Equal(0, exit);
        Assert.Equal(
            ["rec-1 ping: no effects (webhook 77 is connected)", "rec-2 star.created: no effects (ignored: MarketingBot has no handler for star.created)"],
            output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("c-broken.json", errors.ToString());
    }

    [Fact]
    public async Task A_recorded_request_prints_the_labels_and_comment_the_bot_would_write()
    {
        using var folder = new TempFolder();
        var payload = System.Text.Encoding.UTF8.GetString(Payloads.IssueEvent("opened", 12, "I_12",
            title: "[Social post] Webinar", body: "### What should we share?\n\nOur webinar"));
        await File.WriteAllTextAsync(folder.File("request.json"), $$"""{"event":"issues","delivery":"rec-9","payload":{{payload}}}""");

        var output = new StringWriter();
        Assert.Equal(0, await ReplayCommand.RunAsync([folder.Path], output, new StringWriter()));

        Assert.Equal(
        [
            "rec-9 issues.opened: would add labels to acme/customer#12: request: social-post, needs-info",
            "rec-9 issues.opened: would comment on acme/customer#12 (<!-- marketingbot:request-check -->): ### ⚠️ This social post request needs 3 more things",
            "rec-9 issues.opened: would mirror https://github.com/acme/customer/issues/12 to the Content Planner (Type: Social post request, Status: Needs info)",
            "rec-9 issues.opened: would put acme/customer#12 on the Marketing Department Work Schedule board, No Status; Request type: Social post",
            "rec-9 issues.opened: would record acme/customer#12 for the monthly review",
        ], output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("rec-9", StringComparison.Ordinal)));
        // Under the comment's line, the comment whole, as the requester would read it.
        var text = output.ToString().Split('\n').SkipWhile(l => !l.Contains("would comment", StringComparison.Ordinal)).Skip(1).TakeWhile(l => l.Length == 0 || l.StartsWith("    ", StringComparison.Ordinal)).ToList();
        Assert.Contains("    @requester, please edit the issue description", string.Join('\n', text), StringComparison.Ordinal);
        Assert.Contains(text, l => l.StartsWith("    - **Content type** is missing.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_path_is_an_error_with_a_message()
    {
        var errors = new StringWriter();
        Assert.Equal(1, await ReplayCommand.RunAsync(["/no/such/place"], new StringWriter(), errors));
        Assert.Contains("no such file or folder", errors.ToString());
    }

    [SharedExamplesFact]
    public async Task GitHubs_example_folder_replays_through_the_real_command_line()
    {
        var start = new ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location, "replay", SharedExamples.Folder!])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(0, process.ExitCode);
        var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var files = Directory.GetFiles(SharedExamples.Folder!, "*.json", SearchOption.AllDirectories).Length;
        Assert.Equal(files, lines.Length);
        Assert.Contains(lines, l => l.Contains(" ping: no effects (webhook ") && l.EndsWith(" is connected)"));
        Assert.Contains(lines, l => l.Contains(" issues.opened: no effects (not a marketing request)"));
        Assert.Contains(lines, l => l.Contains(" issues.assigned: no effects (not a marketing request)"));
        Assert.DoesNotContain(lines, l => l.Contains("FAILED"));
        Assert.Equal("", await errors);
    }
}
