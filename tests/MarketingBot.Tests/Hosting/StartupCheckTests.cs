using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Hosting;

/// <summary>Configuration that can be checked at start is checked before the bot says it is live, with one clear line.</summary>
public sealed class StartupCheckTests
{
    public static TheoryData<string, string> Broken => new()
    {
        { "missing-app-key", "GitHub__PrivateKeyPath" },
        { "app-key-not-pem", "GitHub__PrivateKeyPath" },
        { "missing-google-key", "Sheets__CredentialsPath" },
        { "database-not-a-database", "Storage__ConnectionString" },
        { "database-folder-impossible", "Storage__ConnectionString" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public async Task A_broken_setting_stops_the_start_with_one_line_naming_the_setting_and_the_file(string broken, string setting)
    {
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File("app.pem"), "this is not a key");
        await File.WriteAllTextAsync(folder.File("bot.db"), "not a database, just text long enough to be read as one page of one".PadRight(4096, '.'));
        var environment = new Dictionary<string, string>
        {
            ["Bot__DryRun"] = "false",
            ["GitHub__WebhookSecret"] = "s3cret",
            ["GitHub__AppId"] = "1234",
            ["GitHub__PrivateKeyPath"] = folder.File("app.pem"),
            ["Storage__ConnectionString"] = $"Data Source={folder.File("fresh.db")}",
        };
        var file = folder.File("app.pem");
        switch (broken)
        {
            case "missing-app-key":
                environment["GitHub__PrivateKeyPath"] = file = folder.File("nowhere.pem");
                break;
            case "missing-google-key":
                environment["Bot__DryRun"] = "true";
                environment["Sheets__SpreadsheetId"] = "sheet-123";
                environment["Sheets__CredentialsPath"] = file = folder.File("nowhere.json");
                break;
            case "database-not-a-database":
                environment["Bot__DryRun"] = "true";
                environment["Storage__ConnectionString"] = $"Data Source={file = folder.File("bot.db")}";
                break;
            case "database-folder-impossible":
                environment["Bot__DryRun"] = "true";
                environment["Storage__ConnectionString"] = $"Data Source={file = folder.File("app.pem/data/bot.db")}";
                break;
        }

        var (exitCode, output, errors) = await ServiceProcess.RunToExitAsync(environment, TimeSpan.FromSeconds(60));

        Assert.Equal(78, exitCode);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("MarketingBot cannot start: ", line);
        Assert.Contains(setting, line);
        Assert.Contains(file, line);
        Assert.DoesNotContain("   at ", errors + output);
        Assert.DoesNotContain("Live:", output);
    }

    [Fact]
    public async Task A_dashboard_token_too_short_to_resist_guessing_stops_the_start()
    {
        using var folder = new TempFolder();
        var (exitCode, output, errors) = await ServiceProcess.RunToExitAsync(new Dictionary<string, string>
        {
            ["Bot__DryRun"] = "true",
            ["GitHub__WebhookSecret"] = "s3cret",
            ["Dashboard__Token"] = "hunter2",
            ["Storage__ConnectionString"] = $"Data Source={folder.File("bot.db")}",
        }, TimeSpan.FromSeconds(60));

        Assert.Equal(78, exitCode);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Dashboard__Token is shorter than 16 characters", line);
        Assert.DoesNotContain("hunter2", errors + output);
    }
}
