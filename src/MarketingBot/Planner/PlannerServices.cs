using MarketingBot.Hosting;

namespace MarketingBot.Planner;

public static class PlannerServices
{
    public static IServiceCollection AddContentPlanner(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<PlannerSettings>(configuration.GetSection(PlannerSettings.Section));
        services.AddSingleton<SheetsCredential>();
        services.AddSingleton<PlannerMirror>();
        services.AddHostedService(sp => sp.GetRequiredService<PlannerMirror>());
        services.AddSingleton<PlannerReconcile>();
        services.AddHostedService(sp => sp.GetRequiredService<PlannerReconcile>());
        // Sheets answers 429 when the per-minute quota is spent and 5xx when busy. Writes are by range,
        // so a retried write lands in the same cells.
        services.AddHttpClient<SheetsClient>().RetryingAsTheServiceAsks("sheets");
        return services;
    }
}
