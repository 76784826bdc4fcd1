use serde::{Deserialize, Serialize};

pub const MAX_PER_PAGE: u64 = 200;
/// The last page anyone can ask for: its offset still fits the databases'
/// signed 64-bit integers (a larger one would only ever be empty).
pub const MAX_PAGE: u64 = (i64::MAX as u64) / MAX_PER_PAGE;

/// `?page=&per_page=`, 1-based, clamped to sane bounds.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct PageRequest {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl PageRequest {
    pub fn new(page: u64, per_page: u64) -> Self {
        Self { page: Some(page), per_page: Some(per_page) }
    }
    pub fn page(&self) -> u64 {
        self.page.unwrap_or(1).clamp(1, MAX_PAGE)
    }
    pub fn per_page(&self) -> u64 {
        self.per_page.unwrap_or(50).clamp(1, MAX_PER_PAGE)
    }
    pub fn offset(&self) -> u64 {
        (self.page() - 1) * self.per_page()
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T> Page<T> {
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_bounds() {
        let p = PageRequest { page: Some(0), per_page: Some(100_000) };
        assert_eq!(p.page(), 1);
        assert_eq!(p.per_page(), MAX_PER_PAGE);
        assert_eq!(PageRequest::new(3, 20).offset(), 40);
        // A page far past the end is still a query the database can take (an empty page).
        let far = PageRequest { page: Some(u64::MAX), per_page: Some(u64::MAX) };
        assert!(i64::try_from(far.offset()).is_ok());
        assert_eq!(far.page(), MAX_PAGE);
        let page: Page<u8> = Page { items: vec![], total: 41, page: 1, per_page: 20 };
        assert_eq!(page.pages(), 3);
    }
}
