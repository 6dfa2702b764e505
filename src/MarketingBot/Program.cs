using MarketingBot.Hosting;

return await CommandLine.RunAsync(args, ServeAsync, Console.Out, Console.Error, Environment.GetEnvironmentVariable("PWD"));

static async Task<int> ServeAsync(string[] settings)
{
    var builder = WebApplication.CreateBuilder(settings);
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
}

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
