using System.Net;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace MarketingBot.Tests.Hosting;

public class TelemetryTests
{
    [Fact]
    public async Task Traces_of_deliveries_are_exported_over_OTLP_when_an_endpoint_is_set()
    {
        using var collector = WireMockServer.Start();
        collector.Given(Request.Create().WithPath("/v1/*").UsingPost()).RespondWith(Response.Create().WithStatusCode(200));
        await using var bot = new BotFactory(new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        });

        var answer = await bot.PostAsync("ping", "telemetry-1", Payloads.Ping());

        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        Assert.True(await Eventually.UntilAsync(
            () => collector.LogEntries.Any(e => e.RequestMessage?.Path == "/v1/traces"), TimeSpan.FromSeconds(10)),
            "no traces reached the OTLP endpoint");
    }

    [Fact]
    public async Task Without_an_endpoint_no_request_is_traced()
    {
        await using var bot = new BotFactory();

        await bot.PostAsync("ping", "telemetry-2", Payloads.Ping());

        // Listening to every request for nobody cost the intake a share of its core.
        Assert.Null(bot.Services.GetService<TracerProvider>());
    }
}
