using System.Diagnostics.Metrics;
using MarketingBot.Health;
using MarketingBot.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace MarketingBot.Tests.Support;

/// <summary>The background loops' supervisor, for a component built by hand outside the service.</summary>
public static class TestLoops
{
    public static BackgroundLoops Create(TimeProvider time) =>
        new(new BotMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>()), time, NullLogger<BackgroundLoops>.Instance);
}
