//! Lazy pagination, like the official SDKs' auto-pagination: a list's pages fetched one at a time,
//! the next only when the consumer asks for it, each through the whole call loop (retries,
//! timeouts), an error ending the walk after it is yielded. Memory holds one page.

use futures_util::stream::{self, Stream, TryStreamExt as _};

use crate::call::{Call, Request};
use crate::error::Error;
use crate::rooms::Page;

/// A list's parameters, whose page can be set.
pub(crate) trait Paged: Clone {
    fn set_page(&mut self, number: u32);
    fn first_page(&self) -> u32;
}

/// Every page from the request's own, in order.
pub(crate) fn walk<'c, P, T>(
    request: Request<'c, P>,
) -> impl Stream<Item = Result<Page<T>, Error>> + Send + 'c
where
    P: Call<Output = Page<T>> + Paged + 'c,
    T: Send + 'c,
{
    stream::unfold(Some(request), |next| async move {
        let request = next?;
        let following = request.following();
        match request.run().await {
            Ok(page) => {
                let next = following.filter(|_| page.has_next());
                Some((Ok(page), next))
            }
            Err(error) => Some((Err(error), None)),
        }
    })
}

/// Every item of every page from the request's own, in order.
pub(crate) fn items<'c, P, T>(
    request: Request<'c, P>,
) -> impl Stream<Item = Result<T, Error>> + Send + 'c
where
    P: Call<Output = Page<T>> + Paged + 'c,
    T: Send + 'c,
{
    walk(request)
        .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
        .try_flatten()
}

impl<P> Request<'_, P> {
    /// The same request for the next page; `None` when its parameters were refused.
    pub(crate) fn following(&self) -> Option<Self>
    where
        P: Paged,
    {
        let mut params = self.params().ok()?.clone();
        params.set_page(params.first_page().saturating_add(1));
        Some(self.with_params(params))
    }
}

/// `pages()` and `items()` for a list's request, async and blocking: `$params => $item`.
macro_rules! pages {
    ($($params:ident => $item:ty),* $(,)?) => {$(
        impl<'c> $crate::call::Request<'c, $params> {
            /// Every page of the list from this request's (the first by default), fetched one at
            /// a time as the stream is read; an error is the last item.
            pub fn pages(self) -> impl ::futures_util::Stream<Item = Result<$crate::rooms::Page<$item>, $crate::Error>> + Send + 'c {
                $crate::page::walk(self)
            }

            /// Every item of the list, from this request's page on, fetched a page at a time as
            /// the stream is read; an error is the last item.
            pub fn items(self) -> impl ::futures_util::Stream<Item = Result<$item, $crate::Error>> + Send + 'c {
                $crate::page::items(self)
            }
        }

        #[cfg(feature = "blocking")]
        impl<'c> $crate::blocking::Request<'c, $params> {
            /// Every page of the list, fetched one at a time as the iterator is read.
            pub fn pages(self) -> impl Iterator<Item = Result<$crate::rooms::Page<$item>, $crate::Error>> + 'c {
                self.iterate($crate::page::walk)
            }

            /// Every item of the list, fetched a page at a time as the iterator is read.
            pub fn items(self) -> impl Iterator<Item = Result<$item, $crate::Error>> + 'c {
                self.iterate($crate::page::items)
            }
        }
    )*};
}
pub(crate) use pages;
