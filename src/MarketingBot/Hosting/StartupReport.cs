using MarketingBot.Configuration;
using MarketingBot.Planner;
using MarketingBot.Storage;
using Microsoft.Extensions.Options;

namespace MarketingBot.Hosting;

/// <summary>Says at start-up what the bot will and will not do, so a misconfiguration is seen at once.</summary>
public sealed partial class StartupReport(
    DryRunMode dryRun, IOptions<GitHubSettings> gitHub, IOptions<PlannerSettings> planner, Database database, MarketingBot.Setup.SetupAccess setup, ILogger<StartupReport> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (dryRun.HoldsDeliveries) LogHolding(logger, dryRun.Reason);
        else if (dryRun.IsOn) LogDryRun(logger, dryRun.Reason);
        else LogLive(logger, gitHub.Value.AppId ?? 0, gitHub.Value.ApiBaseUrl);
        if (!gitHub.Value.HasAppCredentials) LogSetupCode(logger, setup.Code);
        if (gitHub.Value.WebhookSecrets.Count == 0) LogNoSecret(logger);
        else if (!string.IsNullOrEmpty(gitHub.Value.WebhookSecretPrevious)) LogRotation(logger);
        if (!planner.Value.IsConfigured) LogNoPlanner(logger);
        LogStorage(logger, database.Location);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Dry run ({Reason}): every effect is recorded and logged, nothing is sent to GitHub or Google.")]
    private static partial void LogDryRun(ILogger logger, string reason);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error,
        Message = "Not live: {Reason}. Deliveries are stored and wait until the App is configured (/setup); set Bot__DryRun=true to try the bot without one.")]
    private static partial void LogHolding(ILogger logger, string reason);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning,
        Message = "No GitHub App is configured. To create it, open /setup and enter this set-up code: {Code} (it changes at every start; or sign in to the dashboard first).")]
    private static partial void LogSetupCode(ILogger logger, string code);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Live: acting as GitHub App {AppId} at {ApiBaseUrl}.")]
    private static partial void LogLive(ILogger logger, long appId, string apiBaseUrl);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "GitHub__WebhookSecret is not set: every webhook delivery will be refused until it is.")]
    private static partial void LogNoSecret(ILogger logger);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "The Content Planner is not configured (Sheets__SpreadsheetId, Sheets__CredentialsPath): requests are not mirrored to the sheet.")]
    private static partial void LogNoPlanner(ILogger logger);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Deliveries and records are kept in {Location}.")]
    private static partial void LogStorage(ILogger logger, string location);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Webhook secret rotation: deliveries signed with GitHub__WebhookSecretPrevious are still accepted.")]
    private static partial void LogRotation(ILogger logger);
}
