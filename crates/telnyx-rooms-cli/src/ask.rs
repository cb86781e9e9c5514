//! The one output path of the commands on rooms, sessions and participants: each asks the API
//! for one value, a list or an action ([`Ask`]), and the answer is printed the same way whatever
//! the resource — a value as its report, a list page by page as the pages arrive, an action as
//! what was done.

use std::future::IntoFuture;

use futures_util::future::BoxFuture;
use futures_util::stream::{self, BoxStream, StreamExt as _, TryStreamExt as _};
use telnyx_rooms::{Error, Page};

use crate::cli::Format;
use crate::failure::Failure;
use crate::output::{Report, print};

/// What a command asks of the API, each answer already turned into what is shown of it.
pub(crate) enum Ask<'c> {
    /// One value: a room, a session, a participant.
    Value(BoxFuture<'c, Result<Report, Error>>),
    /// A list: one page, or every page from one on, fetched as the previous one is printed.
    List(Listing<'c>),
    /// An action whose answer says only that it was done, and the report of what was done.
    Done(BoxFuture<'c, Result<(), Error>>, Report),
}

/// The pages of a list, each as its items' reports, and what they are called.
pub(crate) struct Listing<'c> {
    noun: Noun,
    all: bool,
    pages: BoxStream<'c, Result<Listed, Error>>,
}

/// What a list holds, singular and plural, for the footer people see.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Noun(pub(crate) &'static str, pub(crate) &'static str);

impl Noun {
    /// `1 room`, `2 rooms`.
    fn count(self, n: i64) -> String {
        format!("{n} {}", if n == 1 { self.0 } else { self.1 })
    }
}

/// One page of a list as shown: its items' reports, and where it lies in the whole list.
struct Listed {
    items: Vec<Report>,
    number: Option<i64>,
    total_pages: Option<i64>,
    total_results: Option<i64>,
    has_next: bool,
}

impl<'c> Ask<'c> {
    /// One value, shown by `show`.
    pub(crate) fn value<T>(
        call: impl IntoFuture<Output = Result<T, Error>, IntoFuture: Send + 'c>,
        show: impl Fn(&T) -> Report + Send + 'c,
    ) -> Self {
        let call = call.into_future();
        Self::Value(Box::pin(
            async move { call.await.map(|value| show(&value)) },
        ))
    }

    /// A list of `noun`: the request's page, or with `all` every page from it on (`pages` walks
    /// them lazily), each item shown by `show`.
    pub(crate) fn list<R, T, S>(
        noun: Noun,
        all: bool,
        request: R,
        pages: impl FnOnce(R) -> S,
        show: impl Fn(&T) -> Report + Send + 'c,
    ) -> Self
    where
        R: IntoFuture<Output = Result<Page<T>, Error>, IntoFuture: Send + 'c>,
        S: futures_util::Stream<Item = Result<Page<T>, Error>> + Send + 'c,
        T: 'c,
    {
        let pages = if all {
            pages(request).boxed()
        } else {
            stream::once(request.into_future()).boxed()
        };
        let pages = pages
            .map_ok(move |page| Listed {
                items: page.items.iter().map(&show).collect(),
                number: page.page_number,
                total_pages: page.total_pages,
                total_results: page.total_results,
                has_next: page.has_next(),
            })
            .boxed();
        Self::List(Listing { noun, all, pages })
    }

    /// An action, and the report printed once it is done.
    pub(crate) fn done(
        call: impl IntoFuture<Output = Result<(), Error>, IntoFuture: Send + 'c>,
        report: Report,
    ) -> Self {
        Self::Done(Box::pin(call.into_future()), report)
    }
}

/// How an answer is printed: the format, a note on titles for people (`(from the embedded
/// mock)`), the time now, and what an SDK error is as a failure of the command.
pub(crate) struct Printer<'a> {
    pub(crate) format: Format,
    pub(crate) note: &'a str,
    pub(crate) now: chrono::DateTime<chrono::Utc>,
    pub(crate) failure: &'a dyn Fn(&Error) -> Failure,
}

impl Printer<'_> {
    /// Makes the call(s) `ask` holds and prints the answer. A list stops fetching pages when
    /// standard output is closed (`| head`); an error after some pages ends it, with what was
    /// printed left printed.
    pub(crate) async fn answer(&self, ask: Ask<'_>) -> Result<(), Failure> {
        let report = match ask {
            Ask::Value(call) => call.await.map_err(|err| (self.failure)(&err))?,
            Ask::Done(call, report) => call
                .await
                .map(|()| report)
                .map_err(|err| (self.failure)(&err))?,
            Ask::List(listing) => return self.list(listing).await,
        };
        let report = report.noting(self.note);
        print(&report.render(self.format, self.now)?).map(drop)
    }

    async fn list(&self, mut listing: Listing<'_>) -> Result<(), Failure> {
        let mut shown = 0_i64;
        let mut last = None;
        while let Some(page) = listing.pages.next().await {
            let page = page.map_err(|err| (self.failure)(&err))?;
            for item in &page.items {
                if shown == 0 && self.format == Format::Human && !print(&item.table_header())? {
                    return Ok(());
                }
                if !print(&item.render_item(self.format)?)? {
                    return Ok(());
                }
                shown += 1;
            }
            last = Some(page);
        }
        if self.format == Format::Human {
            let page = last.filter(|_| !listing.all);
            print(&format!(
                "{}{}.\n",
                footer(listing.noun, shown, page.as_ref()),
                self.note
            ))?;
        }
        Ok(())
    }
}

/// The line under a list for people: how many items (of a walk, or of the whole list), which
/// page this was and which comes next.
fn footer(noun: Noun, shown: i64, page: Option<&Listed>) -> String {
    let Some(page) = page.filter(|page| shown > 0 || page.number.is_some_and(|n| n > 1)) else {
        return noun.count(shown);
    };
    let mut text = match (page.number, page.total_pages) {
        (Some(number), Some(total)) => format!("Page {number} of {total}"),
        (Some(number), None) => format!("Page {number}"),
        _ => "This page".to_owned(),
    };
    text.push_str(&format!(": {}", noun.count(shown)));
    if let Some(total) = page.total_results {
        text.push_str(&format!(" of {total}"));
    }
    if let (true, Some(number)) = (page.has_next, page.number) {
        text.push_str(&format!(
            "; next: --page {}, or --all",
            number.saturating_add(1)
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOMS: Noun = Noun("room", "rooms");

    fn listed(number: i64, total_pages: i64, total_results: i64, has_next: bool) -> Listed {
        Listed {
            items: Vec::new(),
            number: Some(number),
            total_pages: Some(total_pages),
            total_results: Some(total_results),
            has_next,
        }
    }

    #[test]
    fn the_footer_says_where_a_page_lies_and_what_comes_next() {
        let page = |shown, listed: Listed| footer(ROOMS, shown, Some(&listed));
        assert_eq!(
            page(2, listed(1, 3, 5, true)),
            "Page 1 of 3: 2 rooms of 5; next: --page 2, or --all"
        );
        assert_eq!(page(1, listed(3, 3, 5, false)), "Page 3 of 3: 1 room of 5");
        assert_eq!(page(0, listed(4, 3, 5, false)), "Page 4 of 3: 0 rooms of 5");
        assert_eq!(page(0, listed(1, 0, 0, false)), "0 rooms");
        let unknown = Listed {
            total_pages: None,
            total_results: None,
            number: None,
            ..listed(1, 1, 1, true)
        };
        assert_eq!(page(3, unknown), "This page: 3 rooms");
        // A walk says how many it showed.
        assert_eq!(footer(ROOMS, 45, None), "45 rooms");
    }
}
