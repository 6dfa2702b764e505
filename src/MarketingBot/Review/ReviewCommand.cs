using System.Globalization;
using MarketingBot.Board;
using MarketingBot.Configuration;
using MarketingBot.Reminders;
using MarketingBot.Requests;
using MarketingBot.Storage;

namespace MarketingBot.Review;

/// <summary><c>review &lt;yyyy-mm&gt;</c>: prints the month's review from the bot's records, as the review issue shows it.</summary>
public static class ReviewCommand
{
    /// <summary>The same settings the service reads: appsettings.json beside the program, then the environment.</summary>
    public static IConfiguration Settings() => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
        .AddEnvironmentVariables()
        .Build();

    public static async Task<int> RunAsync(string[] args, IConfiguration configuration, TextWriter output, TextWriter errors)
    {
        if (args is not [var text] || !DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month))
        {
            await errors.WriteLineAsync("usage: MarketingBot review <yyyy-mm>   (e.g. review 2026-11)");
            return 2;
        }
        var storage = configuration.GetSection(StorageSettings.Section).Get<StorageSettings>() ?? new StorageSettings();
        var bot = configuration.GetSection(BotSettings.Section).Get<BotSettings>() ?? new BotSettings();
        var workflow = string.IsNullOrWhiteSpace(bot.WorkflowPath) ? WorkflowFile.Default : await WorkflowCommands.LoadAsync(bot.WorkflowPath, errors);
        if (workflow is null) return 1;
        await using var database = Database.Open(storage, TimeProvider.System);
        var records = new ReviewSources(new RequestHistory(database), new CardRecords(database), new NagRecords(database), new Campaigns.CampaignRecords(database));
        await output.WriteAsync(MonthlyReview.Render(await ReviewJob.ComputeAsync(records, month, workflow, owner: null), workflow.Review?.Checklist ?? [],
            await ReviewJob.LiveCampaignsAsync(records, owner: null)));
        return 0;
    }
}
