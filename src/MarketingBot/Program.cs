using MarketingBot.Hosting;
using MarketingBot.Replay;
using MarketingBot.Requests;

switch (args)
{
    case ["replay", .. var rest]:
        return await ReplayCommand.RunAsync(rest, Console.Out, Console.Error);
    case ["templates", .. var rest]:
        return await WorkflowCommands.TemplatesAsync(rest, Console.Out, Console.Error);
    case ["review", .. var rest]:
        return await MarketingBot.Review.ReviewCommand.RunAsync(rest, MarketingBot.Review.ReviewCommand.Settings(), Console.Out, Console.Error);
    case ["healthcheck", .. var rest]:
        return await MarketingBot.Health.HealthProbe.RunAsync(rest, Console.Out, Console.Error);
    case ["reconcile", .. var rest]:
        return await MarketingBot.Planner.ReconcileCommand.RunAsync(rest, Environment.GetEnvironmentVariable("Dashboard__Token"), Console.Out, Console.Error);
    case ["config", "validate", .. var rest]:
        return await WorkflowCommands.ValidateAsync(rest, Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddMarketingBot();
var app = builder.Build();
if (StartupChecks.FindProblem(app.Services) is { } problem)
{
    await Console.Error.WriteLineAsync($"MarketingBot cannot start: {problem}");
    return 78; // EX_CONFIG: the configuration is wrong, restarting will not help
}
app.MapMarketingBot();
await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
