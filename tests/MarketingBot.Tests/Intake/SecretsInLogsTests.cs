using System.Net;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MarketingBot.Tests.Intake;

public class SecretsInLogsTests
{
    [Fact]
    public async Task Neither_secret_nor_any_signature_reaches_the_log_whatever_the_verdict()
    {
        var logs = new CapturedLogs();
        await using var bot = new BotFactory(
            new() { ["GitHub:WebhookSecretPrevious"] = "previous-secret-value" },
            services => services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace)));
        var body = Payloads.IssueEvent("opened", 1, "I_1");
        var good = Signing.Sign(BotFactory.Secret, body);
        var wrong = Signing.Sign("a-guess", body);

        Assert.Equal(HttpStatusCode.Accepted, (await bot.PostAsync("issues", "d-good", body, good)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bot.PostAsync("issues", "d-wrong", body, wrong)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bot.PostAsync("issues", "d-junk", body, "sha256=" + BotFactory.Secret)).StatusCode);
        await bot.DrainAsync();

        Assert.NotEmpty(logs.Lines);
        var hex = good["sha256=".Length..];
        Assert.DoesNotContain(logs.Lines, l =>
            l.Contains(BotFactory.Secret) || l.Contains("previous-secret-value") || l.Contains(hex) || l.Contains(wrong["sha256=".Length..]));
    }
}
