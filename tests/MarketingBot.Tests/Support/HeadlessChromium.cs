using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace MarketingBot.Tests.Support;

/// <summary>
/// Chromium (or Chrome) and its driver, headless, driven by Selenium: given by <c>CHROMIUM_PATH</c> and
/// <c>CHROMEDRIVER_PATH</c>, else found on <c>PATH</c> (Debian's packages, or what GitHub Actions' setup-chrome installs).
/// Screenshots go to <c>TestResults/screenshots</c> beside the solution, which CI keeps with the test results.
/// </summary>
public sealed class HeadlessChromium : IDisposable
{
    public static readonly string? Browser = Find("CHROMIUM_PATH", "chromium", "chromium-browser", "google-chrome", "chrome");
    public static readonly string? Driver = Find("CHROMEDRIVER_PATH", "chromedriver");
    public const string SkipReason =
        "Chromium or chromedriver is not installed: set CHROMIUM_PATH and CHROMEDRIVER_PATH, or put them on PATH (apt-get install chromium chromium-driver; .ci/run does)";

    /// <summary>The file a setting names, else the first of <paramref name="names"/> found on PATH.</summary>
    private static string? Find(string setting, params string[] names)
    {
        if (Environment.GetEnvironmentVariable(setting) is { Length: > 0 } given) return File.Exists(given) ? given : null;
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return names.SelectMany(name => folders.Select(folder => Path.Combine(folder, name))).FirstOrDefault(File.Exists);
    }

    private readonly ChromeDriverService _service;

    /// <summary>Chromium's profile, in a folder of the test's own so that nothing of it outlives the test.</summary>
    private readonly DirectoryInfo _profile = Directory.CreateTempSubdirectory("marketingbot-chromium-");

    public HeadlessChromium()
    {
        _service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Driver)!, Path.GetFileName(Driver)!);
        _service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = Browser };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000", "--disable-gpu", $"--user-data-dir={_profile.FullName}");
        Page = new ChromeDriver(_service, options, TimeSpan.FromSeconds(60));
        Page.Manage().Timeouts().ImplicitWait = TimeSpan.FromSeconds(5);
    }

    public static bool IsInstalled => Browser is not null && Driver is not null;

    public IWebDriver Page { get; }

    public static string ScreenshotFolder { get; } =
        Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "TestResults", "screenshots"));

    public void Screenshot(string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        ((ITakesScreenshot)Page).GetScreenshot().SaveAsFile(Path.Combine(ScreenshotFolder, name + ".png"));
    }

    /// <summary>Waits until the page's text says <paramref name="text"/>, reloading between looks when asked.</summary>
    public async Task<bool> ShowsAsync(string text, bool reload = false)
    {
        return await Eventually.UntilAsync(() =>
        {
            try
            {
                if (reload) Page.Navigate().Refresh();
                return Page.FindElement(By.TagName("body")).Text.Contains(text, StringComparison.Ordinal);
            }
            catch (Exception ex) when (ex is StaleElementReferenceException or NoSuchElementException
                || (ex is UnknownErrorException && ex.Message.Contains("does not belong to the document", StringComparison.Ordinal)))
            {
                // The page was being replaced (a form posted, a redirect followed; Chromium may say so as an inspector
                // error about the node instead of a stale element): look again.
                return false;
            }
        }, TimeSpan.FromSeconds(20));
    }

    /// <summary>Quit ends Chromium and the driver; disposing the service stops the driver process if it is still there.</summary>
    public void Dispose()
    {
        Page.Quit();
        _service.Dispose();
        _profile.Delete(recursive: true);
    }
}

/// <summary>A test that needs a real browser; skipped with the reason when Chromium is absent.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (!HeadlessChromium.IsInstalled) Skip = HeadlessChromium.SkipReason;
    }
}
