using System.CommandLine;
using MarketingBot.Replay;
using MarketingBot.Requests;

namespace MarketingBot.Hosting;

/// <summary>
/// MarketingBot's command line: <c>serve</c> (what runs with no command) and the tools beside it, each with <c>--help</c>.
/// A typo, an unknown command or an unknown option is refused with the help and exit code 2, so nothing starts a web
/// server by mistake. Settings may still be given as <c>--Section:Key=value</c> for the sections the bot reads (and the
/// host's own, as <c>dotnet run</c> and the test host pass them); any other <c>--name=value</c> is refused too.
/// </summary>
public static class CommandLine
{
    /// <summary>The exit code of a command line that could not be understood.</summary>
    public const int UsageError = 2;

    /// <summary>Sections a <c>--Section:Key=value</c> setting may name: the bot's own, and the host's (OpenTelemetry's <c>OTEL_</c> ones too).</summary>
    private static readonly HashSet<string> SettingSections = new(StringComparer.OrdinalIgnoreCase)
    {
        "Bot", "GitHub", "Storage", "Sheets", "Schedules", "Dashboard", "Setup", "HubSpot", "Logging", "Kestrel",
        "urls", "environment", "contentRoot", "applicationName", "AllowedHosts", "http_ports", "https_ports",
    };

    /// <param name="serve">Runs the web service with these host settings; returns its exit code.</param>
    /// <param name="callerDirectory">
    /// Where the person typed the command (the shell's <c>PWD</c>): file arguments are read from there. <c>dotnet run</c>
    /// runs the bot in its project folder, so relative paths would otherwise point into it.
    /// </param>
    public static async Task<int> RunAsync(string[] args, Func<string[], Task<int>> serve, TextWriter output, TextWriter errors, string? callerDirectory = null)
    {
        var settings = args.Where(IsSetting).ToList();
        var rest = args.Where(a => !IsSetting(a)).ToArray();
        // "MarketingBot help replay" reads as "MarketingBot replay --help".
        if (rest is ["help", .. var about]) rest = [.. about, "--help"];
        var root = Build(serve, settings, output, errors, path => Path.GetFullPath(path, callerDirectory is { Length: > 0 } caller ? caller : Directory.GetCurrentDirectory()));
        var parsed = root.Parse(rest);
        if (parsed.Errors.Count == 0) return await parsed.InvokeAsync(Invocation(output, errors));

        foreach (var error in parsed.Errors) await errors.WriteLineAsync(error.Message);
        await errors.WriteLineAsync();
        await root.Parse([.. CommandPath(parsed.CommandResult), "--help"]).InvokeAsync(Invocation(errors, errors));
        return UsageError;
    }

    /// <summary>Exceptions propagate (the host reports its own), and the host, not the parser, handles Ctrl+C and SIGTERM.</summary>
    private static InvocationConfiguration Invocation(TextWriter output, TextWriter errors) =>
        new() { Output = output, Error = errors, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };

    /// <summary><c>--Section:Key=value</c> (or <c>--Section__Key=value</c>) for a section the bot or its host reads.</summary>
    private static bool IsSetting(string arg) =>
        arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=') is > 2 and var equals
        && arg[2..equals].Replace("__", ":", StringComparison.Ordinal).Split(':')[0] is var section
        && (SettingSections.Contains(section) || section.StartsWith("OTEL_", StringComparison.Ordinal));

    private static IEnumerable<string> CommandPath(System.CommandLine.Parsing.CommandResult? result)
    {
        var names = new Stack<string>();
        for (; result?.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent) names.Push(result.Command.Name);
        return names;
    }

    private static RootCommand Build(Func<string[], Task<int>> serve, IReadOnlyList<string> settings, TextWriter output, TextWriter errors, Func<string, string> file)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Decide and log what the bot would do, and write nothing to GitHub or Google (same as Bot__DryRun=true)." };
        var urls = new Option<string?>("--urls") { Description = "Where to listen, e.g. http://127.0.0.1:8080 (same as ASPNETCORE_URLS)." };
        Task<int> Serve(ParseResult parsed) => serve([.. settings,
            .. parsed.GetValue(dryRun) ? ["--Bot:DryRun=true"] : Array.Empty<string>(),
            .. parsed.GetValue(urls) is { } listen ? [$"--urls={listen}"] : Array.Empty<string>()]);

        var root = new RootCommand(
            "MarketingBot: a GitHub App that runs a marketing team's request workflow. With no command it serves " +
            "(see 'serve'). Settings come from environment variables (Bot__DryRun=true) or --Section:Key=value.");
        root.Options.Add(dryRun);
        root.Options.Add(urls);
        root.SetAction(Serve);

        var serveCommand = new Command("serve", "Run the webhook service, the dashboard and the scheduled jobs (the default). Without GitHub App credentials it waits for them; /setup creates the App.");
        serveCommand.Options.Add(dryRun);
        serveCommand.Options.Add(urls);
        serveCommand.SetAction(Serve);
        root.Subcommands.Add(serveCommand);

        var recording = new Argument<string>("path") { Description = "A recorded delivery (.json: {\"event\", \"delivery\", \"payload\"}) or a folder of them." };
        var replayWorkflow = new Option<string?>("--workflow") { Description = "The team's workflow file (.github/marketingbot.yml); the built-in one when left out." };
        var replay = new Command("replay", "Show what the bot would do for recorded deliveries: every label, board move, planner row and the full text of every comment. Writes nothing.")
        {
            recording, replayWorkflow,
        };
        replay.SetAction(parsed => ReplayCommand.RunAsync([file(parsed.GetValue(recording)!)], output, errors,
            parsed.GetValue(replayWorkflow) is { } workflow ? file(workflow) : null));
        root.Subcommands.Add(replay);

        var folder = new Argument<string>("folder") { Description = "Where to write the issue forms (e.g. .github/ISSUE_TEMPLATE)." };
        var templateWorkflow = new Argument<string?>("workflow-file") { Description = "The team's workflow file; the built-in one when left out.", Arity = ArgumentArity.ZeroOrOne };
        var templates = new Command("templates", "Write one GitHub issue form per request type, so requesters fill in exactly what the bot checks.") { folder, templateWorkflow };
        templates.SetAction(parsed => WorkflowCommands.TemplatesAsync(
            [file(parsed.GetValue(folder)!), .. parsed.GetValue(templateWorkflow) is { } workflow ? [file(workflow)] : Array.Empty<string>()], output, errors));
        root.Subcommands.Add(templates);

        var workflowFile = new Argument<string>("file") { Description = "A workflow file (.github/marketingbot.yml)." };
        var validate = new Command("validate", "Check a workflow file and list every problem with its line, as the bot would read it.") { workflowFile };
        validate.SetAction(parsed => WorkflowCommands.ValidateAsync([file(parsed.GetValue(workflowFile)!)], output, errors));
        root.Subcommands.Add(new Command("config", "The workflow file.") { validate });

        var month = new Argument<string>("month") { Description = "The month to review, as yyyy-mm (e.g. 2026-11)." };
        var review = new Command("review", "Print the monthly performance review for a month, from the bot's database (Storage__ settings).") { month };
        review.SetAction(parsed => Review.ReviewCommand.RunAsync([parsed.GetValue(month)!], Review.ReviewCommand.Settings(), output, errors));
        root.Subcommands.Add(review);

        var healthUrl = new Argument<string?>("url") { Description = $"The bot's address (default {Health.HealthProbe.DefaultUrl}).", Arity = ArgumentArity.ZeroOrOne };
        var healthcheck = new Command("healthcheck", "Ask a running bot whether it is alive (/healthz); exit code 0 when it is, for container health checks.") { healthUrl };
        healthcheck.SetAction(parsed => Health.HealthProbe.RunAsync([.. parsed.GetValue(healthUrl) is { } url ? [url] : Array.Empty<string>()], output, errors));
        root.Subcommands.Add(healthcheck);

        var reconcileUrl = new Argument<string?>("url") { Description = $"The bot's address (default {Planner.ReconcileCommand.DefaultUrl}).", Arity = ArgumentArity.ZeroOrOne };
        var reconcile = new Command("reconcile", "Ask a running bot to bring the Content Planner in line with GitHub now. Needs Dashboard__Token.") { reconcileUrl };
        reconcile.SetAction(parsed => Planner.ReconcileCommand.RunAsync([.. parsed.GetValue(reconcileUrl) is { } url ? [url] : Array.Empty<string>()],
            Environment.GetEnvironmentVariable("Dashboard__Token"), output, errors));
        root.Subcommands.Add(reconcile);
        return root;
    }
}
