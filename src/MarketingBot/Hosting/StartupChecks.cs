using MarketingBot.Configuration;
using MarketingBot.GitHub;
using MarketingBot.Planner;
using MarketingBot.Storage;
using Microsoft.Extensions.Options;

namespace MarketingBot.Hosting;

/// <summary>
/// What can be checked before the bot says it is live: the storage opens and can be written, the App's private key
/// is a readable PEM key, the Google key file is a readable service-account key. A problem is one line naming the
/// setting and the file: found now, it is an operator's fix; found two seconds after "Live", it was a crash loop.
/// </summary>
public static class StartupChecks
{
    /// <summary>The first problem found, or null when the bot can start.</summary>
    public static string? FindProblem(IServiceProvider services)
    {
        try
        {
            if (services.GetRequiredService<IOptions<MarketingBot.Dashboard.DashboardSettings>>().Value.Token is { Length: > 0 and < MarketingBot.Dashboard.DashboardSettings.MinTokenLength })
                return $"Dashboard__Token is shorter than {MarketingBot.Dashboard.DashboardSettings.MinTokenLength} characters; use a long random value (e.g. openssl rand -hex 24).";
            services.GetRequiredService<Database>();
            if (!services.GetRequiredService<DryRunMode>().IsOn) services.GetRequiredService<AppJwt>().Create();
            if (services.GetRequiredService<IOptions<PlannerSettings>>().Value.IsConfigured) services.GetRequiredService<SheetsCredential>().CheckKey();
            return null;
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }
    }
}
