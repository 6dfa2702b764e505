using MarketingBot.Installations;
using MarketingBot.Processing;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Installations;

public class InstallationHandlerTests
{
    private static WebhookDelivery Example(string eventName, string file)
    {
        var body = File.ReadAllBytes(Path.Combine(SharedExamples.Folder!, eventName, file));
        var envelope = MarketingBot.Intake.DeliveryEnvelope.Read(body, out _)!.Value;
        return new WebhookDelivery("g", eventName, envelope.Action, envelope.InstallationId, TypedEvents.Read(eventName, body));
    }

    [SharedExamplesFact]
    public async Task An_installation_is_recorded_with_its_account_and_changes_nothing()
    {
        var decision = await new InstallationHandler().HandleAsync(Example("installation", "created.payload.json"), CancellationToken.None);
        Assert.Matches(@"^installation \d+ on \S+ created \(\d+ repositories listed\)$", decision.Outcome);
        Assert.Empty(decision.Effects);
    }

    [SharedExamplesFact]
    public async Task Repositories_added_to_an_installation_are_counted()
    {
        var decision = await new InstallationHandler().HandleAsync(Example("installation_repositories", "added.payload.json"), CancellationToken.None);
        Assert.Matches(@"^installation \d+: [1-9]\d* repositories added, 0 removed$", decision.Outcome);
    }

    [Fact]
    public async Task A_ping_confirms_the_webhook()
    {
        var delivery = new WebhookDelivery("g", "ping", null, null, TypedEvents.Read("ping", Payloads.Ping()));
        Assert.Equal("webhook 123 is connected", (await new PingHandler().HandleAsync(delivery, CancellationToken.None)).Outcome);
    }
}
