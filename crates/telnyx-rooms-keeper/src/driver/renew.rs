//! What a new token changes: the session's deadlines, its next timer and what subscribers see.

use std::time::Duration;

use tokio::time::Instant;

use super::{Engine, Next, Phase, RefreshHold, SessionId, Slot};
use crate::token::{self, SentAt};
use crate::{EndReason, IssuedToken, MintedToken, Status, Token, TokenSource, Ttls};

impl<S: TokenSource> Engine<S> {
    pub(super) fn on_minted(
        &mut self,
        id: SessionId,
        slot: &mut Slot<S::Error>,
        minted: MintedToken,
        requested: Option<Ttls>,
        sent: SentAt,
    ) -> Option<EndReason<S::Error>> {
        let requested = requested.unwrap_or_default();
        let server_date = minted.token.server_date;
        let token_until = token::valid_until(
            minted.token.expires_at,
            server_date,
            requested.token_ttl,
            sent,
        );
        let refresh_until = token::valid_until(
            minted.refresh_token_expires_at,
            server_date,
            requested.refresh_token_ttl,
            sent,
        );
        let (Some(token_until), Some(refresh_until)) = (token_until, refresh_until) else {
            return Some(EndReason::UnusableToken);
        };
        let now = Instant::now();
        slot.refresh = Some(RefreshHold {
            secret: minted.refresh_token,
            expires_at: minted.refresh_token_expires_at,
            valid_until: refresh_until,
            cutoff: self.policy.renew_at(now, refresh_until, &mut self.rng),
        });
        let token = Token::new(minted.token.token, minted.token.expires_at, token_until);
        self.renewed(id, slot, token);
        None
    }

    pub(super) fn on_refreshed(
        &mut self,
        id: SessionId,
        slot: &mut Slot<S::Error>,
        refreshed: IssuedToken,
        sent: SentAt,
    ) -> Option<EndReason<S::Error>> {
        let Some(until) = token::valid_until(
            refreshed.expires_at,
            refreshed.server_date,
            slot.ttls.token_ttl,
            sent,
        ) else {
            return Some(EndReason::UnusableToken);
        };
        let token = Token::new(refreshed.token, refreshed.expires_at, until);
        self.renewed(id, slot, token);
        None
    }

    /// Publishes a new token and schedules what comes next.
    fn renewed(&mut self, id: SessionId, slot: &mut Slot<S::Error>, token: Token) {
        let now = Instant::now();
        let can_mint = self.source.can_mint();
        slot.attempt = 0;
        slot.last_error = None;
        slot.token_until = Some(token.valid_until());
        slot.told_late = None;
        if slot.start_deadline.take().is_some() {
            self.starting -= 1;
        }
        // Retrying goes on while the refresh token lives — and with a key, for the start timeout
        // after it, to mint a new pair — even past the client token's expiry.
        let grace = if can_mint {
            self.policy.start_timeout
        } else {
            Duration::ZERO
        };
        slot.give_up_at = slot.refresh.as_ref().map(|hold| {
            hold.valid_until
                .checked_add(grace)
                .unwrap_or(hold.valid_until)
        });
        let refresh_at = self
            .policy
            .renew_at(now, token.valid_until(), &mut self.rng);
        slot.near = self
            .policy
            .near_enough(token.valid_until().saturating_duration_since(now));
        let (next, at) = match &slot.refresh {
            Some(hold) if refresh_at >= hold.cutoff => {
                if can_mint {
                    (Next::Renew, hold.cutoff.max(now))
                } else if now < hold.cutoff {
                    // One last refresh, as late as the refresh token safely allows.
                    (Next::Renew, hold.cutoff)
                } else {
                    (Next::Drain, token.valid_until())
                }
            }
            _ => (Next::Renew, refresh_at),
        };
        slot.phase = Phase::Waiting(next);
        self.set_timer(id, slot, Some(at));
        let status = match &slot.refresh {
            Some(hold) if !can_mint => Status::Ending {
                token,
                refresh_token_expires_at: hold.expires_at,
                refresh_token_valid_until: hold.valid_until,
            },
            _ => Status::Active(token),
        };
        slot.status.send_replace(status);
    }
}
