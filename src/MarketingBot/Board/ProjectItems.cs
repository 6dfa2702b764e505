using System.Runtime.CompilerServices;
using MarketingBot.GitHub;

namespace MarketingBot.Board;

/// <summary>
/// Reads a project's items a page (100) at a time, following GitHub's cursor, for any document
/// shaped <c>node(id: $project) { ... on ProjectV2 { items(first: 100, after: $cursor) { pageInfo nodes } } }</c>.
/// </summary>
public static class ProjectItems
{
    /// <param name="variables">The document's variables for a cursor (null: the first page).</param>
    public static async IAsyncEnumerable<T> ReadAsync<T>(
        GitHubGraphQL graphQL, long installationId, string document, Func<string?, object> variables, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? cursor = null;
        do
        {
            var page = (await graphQL.QueryAsync<Data<T>>(installationId, document, variables(cursor), cancellationToken)).Node?.Items;
            if (page is null) yield break;
            foreach (var item in page.Nodes ?? [])
                if (item is not null) yield return item;
            cursor = page.PageInfo.HasNextPage ? page.PageInfo.EndCursor : null;
        } while (cursor is not null);
    }

    private sealed record Data<T>(Project<T>? Node);

    private sealed record Project<T>(Connection<T>? Items);

    private sealed record Connection<T>(PageInfo PageInfo, List<T?>? Nodes);

    private sealed record PageInfo(bool HasNextPage, string? EndCursor);
}
