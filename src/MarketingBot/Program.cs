using MarketingBot.Hosting;
using MarketingBot.Replay;

if (args is ["replay", .. var replayArgs]) return await ReplayCommand.RunAsync(replayArgs, Console.Out, Console.Error);

var builder = WebApplication.CreateBuilder(args);
builder.AddMarketingBot();
var app = builder.Build();
app.MapMarketingBot();
await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
