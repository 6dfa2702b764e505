using System.Net;
using System.Text;
using MarketingBot.Storage;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Intake;

public class WebhookEndpointTests
{
    [Fact]
    public async Task A_signed_delivery_is_stored_and_answered_202()
    {
        await using var bot = new BotFactory();
        var response = await bot.PostAsync("issues", "d-1", Payloads.IssueEvent("opened", 1, "I_1"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await bot.DrainAsync();
        var audit = Assert.Single(await bot.Inbox.ReadAuditAsync("d-1"));
        Assert.Equal("issues.opened", audit.Name);
    }

    [Theory]
    [InlineData("", "not signed")]
    [InlineData("sha256=0000000000000000000000000000000000000000000000000000000000000000", "does not match")]
    [InlineData("sha256=abc", "malformed")]
    public async Task Unverified_deliveries_are_refused_401_and_not_stored(string signature, string reason)
    {
        await using var bot = new BotFactory();
        var response = await bot.PostAsync("issues", "d-bad", Payloads.IssueEvent("opened", 1, "I_1"), signature);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync());
        Assert.Equal(new InboxCounts(0, 0, 0, 0), await bot.Inbox.CountAsync());
    }

    [Fact]
    public async Task Without_a_secret_every_delivery_is_refused_even_an_unsigned_one()
    {
        await using var bot = new BotFactory(new() { ["GitHub:WebhookSecret"] = "" });
        var body = Payloads.Ping();
        var unsigned = await bot.PostAsync("ping", "d-1", body, signature: "");
        var signed = await bot.PostAsync("ping", "d-2", body);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, signed.StatusCode);
        Assert.Contains("GitHub__WebhookSecret", await unsigned.Content.ReadAsStringAsync());
        Assert.Equal(new InboxCounts(0, 0, 0, 0), await bot.Inbox.CountAsync());
    }

    [Fact]
    public async Task The_previous_secret_is_accepted_during_rotation()
    {
        await using var bot = new BotFactory(new() { ["GitHub:WebhookSecret"] = "new", ["GitHub:WebhookSecretPrevious"] = "old" });
        var body = Payloads.Ping();
        Assert.Equal(HttpStatusCode.Accepted, (await bot.PostAsync("ping", "d-old", body, Signing.Sign("old", body))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await bot.PostAsync("ping", "d-new", body, Signing.Sign("new", body))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bot.PostAsync("ping", "d-x", body, Signing.Sign("older", body))).StatusCode);
    }

    [Fact]
    public async Task A_payload_over_25_MB_is_refused_413()
    {
        await using var bot = new BotFactory();
        var body = Encoding.UTF8.GetBytes("{\"pad\":\"" + new string('x', 25 * 1024 * 1024) + "\"}");
        var response = await bot.PostAsync("issues", "d-big", body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("25 MB", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_form_encoded_delivery_is_refused_415_with_how_to_fix_it()
    {
        await using var bot = new BotFactory();
        var body = Encoding.UTF8.GetBytes("payload=%7B%7D");
        var response = await bot.PostAsync("ping", "d-form", body, contentType: "application/x-www-form-urlencoded");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("application/json", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_signed_but_malformed_body_is_refused_400_with_the_reason()
    {
        await using var bot = new BotFactory();
        var response = await bot.PostAsync("issues", "d-broken", Encoding.UTF8.GetBytes("{\"action\": \"opened\""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid JSON", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_duplicate_delivery_is_acknowledged_and_processed_once()
    {
        await using var bot = new BotFactory();
        var body = Payloads.IssueEvent("opened", 1, "I_1");
        Assert.Equal(HttpStatusCode.Accepted, (await bot.PostAsync("issues", "d-dup", body)).StatusCode);
        await bot.DrainAsync();
        var again = await bot.PostAsync("issues", "d-dup", body);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("not processed twice", await again.Content.ReadAsStringAsync());
        await bot.DrainAsync();
        Assert.Single(await bot.Inbox.ReadAuditAsync("d-dup"));
    }
}
