using MarketingBot.Hosting;

namespace MarketingBot.Tests.Hosting;

public sealed class CommandLineTests
{
    private sealed record Run(int Exit, string Output, string Errors, string[]? Served);

    private static Task<Run> RunAsync(params string[] args) => RunFromAsync(null, args);

    private static async Task<Run> RunFromAsync(string? callerDirectory, params string[] args)
    {
        string[]? served = null;
        var (output, errors) = (new StringWriter(), new StringWriter());
        var exit = await CommandLine.RunAsync(args, settings =>
        {
            served = settings;
            return Task.FromResult(0);
        }, output, errors, callerDirectory);
        return new Run(exit, output.ToString(), errors.ToString(), served);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    [InlineData("serve", "--help")]
    [InlineData("replay", "--help")]
    [InlineData("templates", "--help")]
    [InlineData("config", "--help")]
    [InlineData("config", "validate", "--help")]
    [InlineData("review", "--help")]
    [InlineData("healthcheck", "--help")]
    [InlineData("reconcile", "--help")]
    [InlineData("help", "replay")]
    public async Task Every_command_answers_help_and_starts_nothing(params string[] args)
    {
        var run = await RunAsync(args);

        Assert.Equal(0, run.Exit);
        Assert.Null(run.Served);
        Assert.Contains("Usage:", run.Output, StringComparison.Ordinal);
        var command = args.Where(a => a is not ("--help" or "-h" or "help")).ToArray();
        // The usage line names the command (after the executable's name, which is the test host's here).
        var usage = run.Output.Split("Usage:")[1].Split('\n', StringSplitOptions.RemoveEmptyEntries)[0];
        Assert.Contains($" {string.Join(' ', command)} ".Replace("  ", " ", StringComparison.Ordinal), $"{usage} ", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("serv")]
    [InlineData("--hepl")]
    [InlineData("replay")]
    [InlineData("replay", "a.json", "b.json")]
    [InlineData("serve", "--port", "80")]
    [InlineData("--dryrun=true")]
    [InlineData("config", "check", "marketingbot.yml")]
    public async Task A_typo_or_an_unknown_option_is_refused_with_the_help_and_exit_code_2_and_starts_no_server(params string[] args)
    {
        var run = await RunAsync(args);

        Assert.Equal(CommandLine.UsageError, run.Exit);
        Assert.Null(run.Served);
        Assert.Contains("Usage:", run.Errors, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task No_command_serves_and_passes_settings_and_dry_run_to_the_host()
    {
        var plain = await RunAsync();
        Assert.Equal(Array.Empty<string>(), plain.Served);
        var dryRun = await RunAsync("serve", "--dry-run");
        Assert.Equal(new[] { "--Bot:DryRun=true" }, dryRun.Served);
        var listening = await RunAsync("--urls", "http://127.0.0.1:9000");
        Assert.Equal(new[] { "--urls=http://127.0.0.1:9000" }, listening.Served);
        // As dotnet run and the test host pass them: the host's own settings, and the bot's sections in either spelling.
        string[] settings = ["--environment=Development", "--contentRoot=/srv/bot", "--GitHub:AppId=12345", "--Storage__Provider=Postgres", "--urls=http://127.0.0.1:5000", "--OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318"];
        var withSettings = await RunAsync(settings);
        Assert.Equal(settings, withSettings.Served);
    }

    [Fact]
    public async Task A_command_runs_with_its_arguments()
    {
        using var folder = new Support.TempFolder();
        var run = await RunAsync("templates", folder.Path);

        Assert.Equal(0, run.Exit);
        Assert.NotEmpty(Directory.GetFiles(folder.Path, "*.yml"));
        Assert.Equal(1, (await RunAsync("config", "validate", Path.Combine(folder.Path, "missing.yml"))).Exit);
    }

    [Fact]
    public async Task Relative_paths_are_read_from_where_the_command_was_typed_not_from_where_dotnet_run_runs_the_bot()
    {
        using var caller = new Support.TempFolder();
        var run = await RunFromAsync(caller.Path, "templates", "forms");

        Assert.Equal(0, run.Exit);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(caller.Path, "forms"), "*.yml"));
        Assert.False(Directory.Exists(Path.Combine(Directory.GetCurrentDirectory(), "forms")));
        var valid = await RunFromAsync(caller.Path, "config", "validate", "forms/../forms/social-post.yml");
        Assert.Contains(Path.Combine(caller.Path, "forms"), valid.Output + valid.Errors, StringComparison.Ordinal);
    }
}
